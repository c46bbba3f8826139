package io.kmodd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.text.DurationText;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.jobs.ReloadRequest;
import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.security.AuditLog;
import io.kmodd.security.Role;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.SecurityContext;
import io.kmodd.jobs.UnloadOptions;
import io.kmodd.kernel.Kernel;
import io.kmodd.usage.UsageExplainer;
import io.kmodd.usage.UsageExplanation;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.config.KmoddConfig;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/** Modules: list, inspect, load and unload. Thin: validation here, work in {@link ModuleOperations}. */
@Path("/modules")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "modules")
public class ModulesResource {
    private final Kernel kernel;
    private final ModuleOperations operations;
    private final KmoddConfig config;
    private final ObjectMapper json;
    private final AuditLog audit;
    private final UsageExplainer explainer;

    public ModulesResource(Kernel kernel, ModuleOperations operations, KmoddConfig config, ObjectMapper json,
            AuditLog audit, UsageExplainer explainer) {
        this.audit = audit;
        this.explainer = explainer;
        this.kernel = kernel;
        this.operations = operations;
        this.config = config;
        this.json = json;
    }

    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "listModules", summary = "List loaded modules",
            description = "Every loaded module as /proc/modules shows it, by name. Needs the viewer role.")
    @APIResponse(responseCode = "200", description = "The loaded modules", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ModuleView.class, type = SchemaType.ARRAY),
            examples = @ExampleObject(name = "two modules", value = "[{\"name\":\"libcrc32c\",\"state\":\"live\",\"refcnt\":1,"
                    + "\"sizeBytes\":16384,\"holders\":[\"xfs\"],\"taints\":\"\"},{\"name\":\"xfs\",\"state\":\"live\","
                    + "\"refcnt\":0,\"sizeBytes\":1970176,\"holders\":[],\"taints\":\"\"}]")))
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    public List<ModuleView> list() {
        return kernel.loadedModules().stream()
                .sorted(Comparator.comparing(m -> m.name().value()))
                .map(m -> ModuleView.of(m, false))
                .toList();
    }

    @GET
    @Path("{name}")
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "getModule", summary = "Show one loaded module",
            description = "State, refcount, size, holders, taints and readable parameters, from /sys/module/NAME.")
    @APIResponse(responseCode = "200", description = "The module", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ModuleView.class), examples = @ExampleObject(name = "loop", value =
                    "{\"name\":\"loop\",\"state\":\"live\",\"refcnt\":1,\"sizeBytes\":32768,\"holders\":[],"
                    + "\"taints\":\"\",\"parameters\":{\"max_loop\":\"4\",\"max_part\":\"0\"}}")))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "Not loaded; the detail says whether the module exists in the module tree.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    public ModuleView get(@Parameter(description = "Module name (letters, digits, _ and -; at most 55)", example = "loop")
            @PathParam("name") String rawName) {
        ModuleName name = ModuleName.of(rawName);
        return kernel.loadedModule(name).map(m -> ModuleView.of(m, true)).orElseThrow(() -> notLoaded(name));
    }

    @GET
    @Path("{name}/usage")
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "getModuleUsage", summary = "Explain what holds a loaded module",
            description = "The module's refcount and what kmodd can attribute it to, each with where it was found: other"
                    + " modules using it (/sys/module/NAME/holders), processes with one of its device files open (/proc/PID/fd),"
                    + " mounts of a filesystem type it provides or on one of its block devices (/proc/self/mountinfo), its loop"
                    + " devices attached to files and what is built on its block devices (/sys/block). Network interfaces of its"
                    + " driver hold no reference but go with it (removalDestroys). What kmodd could not see is named with the"
                    + " reason (notVisible); complete is true only when what was found accounts for the refcount exactly."
                    + " One host scan per call, bounded in time.")
    @APIResponse(responseCode = "200", description = "The explanation", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = UsageExplanation.class), examples = @ExampleObject(name = "loop", value =
                    "{\"module\":\"loop\",\"refcnt\":1,\"explained\":1,\"complete\":true,\"holding\":[{\"kind\":\"process\","
                    + "\"what\":\"/dev/loop0 open by pid 812 (qemu-img, backup.service)\",\"source\":\"/proc/812/fd\","
                    + "\"holdsReference\":true,\"details\":{\"pid\":812,\"command\":\"qemu-img\",\"unit\":\"backup.service\","
                    + "\"path\":\"/dev/loop0\"}}],\"removalDestroys\":[],\"notVisible\":[],"
                    + "\"summary\":\"refcnt 1, 1 explained: /dev/loop0 open by pid 812 (qemu-img, backup.service)\"}")))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "Not loaded", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    public UsageExplanation usage(@Parameter(description = "Module name (letters, digits, _ and -; at most 55)", example = "loop")
            @PathParam("name") String rawName) {
        ModuleName name = ModuleName.of(rawName);
        return explainer.explain(name).orElseThrow(() -> notLoaded(name));
    }

    private ProblemException notLoaded(ModuleName name) {
        return new ProblemException(Problem.of("not-loaded", "Module not loaded", 404, notLoadedDetail(name)).withModule(name.value()));
    }

    private String notLoadedDetail(ModuleName name) {
        if (kernel.isBuiltin(name)) {
            return name + " is built into the kernel; it is always there and has no module state";
        }
        try {
            return kernel.resolve(name.value()).stream().findFirst()
                    .map(m -> name + " is not loaded; it exists in the module tree"
                            + m.path().map(p -> " (" + p + ")").orElse("") + " and can be loaded")
                    .orElse(name + " is not loaded, and no module of that name exists in the running kernel's module tree");
        } catch (ResolutionException e) {
            return name + " is not loaded (whether it exists on disk is unknown: " + e.getMessage() + ")";
        }
    }

    @POST
    @Path("{name}/load")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "loadModule", summary = "Load a module and its dependencies",
            description = "Queues the load on the module's lane; a load already queued or running with the same"
                    + " parameters is joined (same job, one finit_module). Dependencies load first, each on its own"
                    + " lane. Needs the operator role; ignoreBlacklist needs admin.")
    @APIResponse(responseCode = "200", description = "Already loaded (no job, no kernel call), or with ?wait the"
            + " job that succeeded", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(
                    oneOf = {AlreadyLoaded.class, io.kmodd.jobs.JobSnapshot.class}),
                    examples = @ExampleObject(name = "already loaded",
                            value = "{\"module\":\"xfs\",\"alreadyLoaded\":true,\"builtin\":false}")))
    @APIResponse(responseCode = "202", description = "Queued or joined; Location is /jobs/{id}", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.kmodd.jobs.JobSnapshot.class),
            examples = @ExampleObject(name = "queued", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "No module or alias of that name in the running kernel's module tree.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The requested parameters would not be applied: the module is live,"
            + " or a load is already queued, with other values, or a live value cannot be confirmed (parameter-conflict;"
            + " its parameters member holds both sets; reload to change them). Also an alias matching several modules,"
            + " or (with ?wait) the module stayed busy.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "422", description = "(With ?wait) the kernel refused the module file (ENOEXEC, unknown symbol).", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "424", description = "(With ?wait) a dependency failed to load.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", ref = "LaneFull")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    public Uni<Response> load(@PathParam("name") @Parameter(description = "Module name or alias", example = "xfs")
            String rawName,
            @QueryParam("wait") @Parameter(description = "Hold the answer until the job ends, at most this long"
                    + " (500ms, 30s, 2m)", example = "30s") String wait,
            @QueryParam("ignoreBlacklist") @DefaultValue("false") @Parameter(description = "Load even if modprobe.d"
                    + " blacklists it (admin)") String ignoreBlacklist,
            @RequestBody(required = false, description = "Module parameters, key to string value", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LoadRequest.class),
                    examples = @ExampleObject(name = "loop with 4 devices", value = "{\"params\":{\"max_loop\":\"4\"}}")))
            String body,
            @Context SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        boolean overrideBlacklist = flag("ignoreBlacklist", ignoreBlacklist);
        if (overrideBlacklist) {
            requireAdmin(caller, "ignoreBlacklist=true");
        }
        // The body is optional, so it is taken raw: a POST without one (curl -X POST) must not be a 415.
        LoadRequest request = body == null || body.isBlank() ? null : parse(body);
        ModuleParameters params = ModuleParameters.of(request == null ? null : request.params());
        Duration waitFor = wait == null ? Duration.ZERO : DurationText.parse(wait, config.load().maxWait());
        ModuleOperations.LoadAnswer answer = operations.load(name, params, overrideBlacklist);
        if (answer instanceof ModuleOperations.Queued q) {
            return JobAnswers.answer(q.job(), waitFor);
        }
        ModuleOperations.AlreadyThere there = (ModuleOperations.AlreadyThere) answer;
        return Uni.createFrom().item(Response.ok(new AlreadyLoaded(there.module().value(), true, there.builtin())).build());
    }

    private static final String BODY_FORM = "the body must be a JSON object such as {\"params\": {\"max_loop\": \"4\"}}";

    /** Strict: one JSON object, only "params", string values only, nothing after it. */
    private LoadRequest parse(String body) {
        JsonNode root = JsonBodies.object(json, body, Set.of("params"), BODY_FORM);
        return new LoadRequest(JsonBodies.strings(root.get("params"), "params", BODY_FORM));
    }

    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "unloadModule", summary = "Remove a module, patiently",
            description = "Answers at once with the job. The job waits for the refcount to reach 0, calls"
                    + " delete_module(O_NONBLOCK), retries EAGAIN/EBUSY until the timeout, and fails at the deadline"
                    + " leaving the module loaded. Holders (other modules) make it fail at once with 409. With"
                    + " Accept: text/event-stream the same POST streams the job's events. Needs the operator role;"
                    + " force needs admin.")
    @APIResponse(responseCode = "202", description = "The job; Location is /jobs/{id}", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.kmodd.jobs.JobSnapshot.class),
            examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "200", description = "With dryRun=true: what the removal would do (a RemovalPlan); with"
            + " Accept: text/event-stream: the job's events until it ends",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.kmodd.jobs.RemovalPlan.class)),
                    @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING),
                            examples = @ExampleObject(name = "removal", value = ApiDoc.SSE_EXAMPLE))})
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "The module is not loaded (or is built in).", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Other modules hold it; the detail names them.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", ref = "LaneFull")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    public Response unload(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName,
            @QueryParam("timeout") @Parameter(description = "How long to wait and retry (500ms, 10s, 2m); 0 is one"
                    + " attempt; default kmodd.unload.default-timeout", example = "10s") String timeout,
            @QueryParam("force") @DefaultValue("false") @Parameter(description = "delete_module with O_TRUNC: removes"
                    + " it even in use and taints the kernel (admin)") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") @Parameter(description = "Afterwards remove the"
                    + " dependencies nothing else uses, as modprobe -r does") String removeDependencies,
            @QueryParam("dryRun") @DefaultValue("false") @Parameter(description = "Answer 200 with what the removal"
                    + " would do (RemovalPlan: the modules in removal order, what holds each now, whether only force"
                    + " would pass) instead of doing it: no kernel call, no job") String dryRun,
            @Context SecurityContext caller) {
        if (flag("dryRun", dryRun)) {
            return Response.ok(operations.planUnload(ModuleName.of(rawName),
                    unloadOptions(timeout, force, removeDependencies, caller))).build();
        }
        Job job = startUnload(rawName, timeout, force, removeDependencies, caller);
        JobSnapshot s = job.snapshot();
        return Response.accepted(s).location(URI.create("/jobs/" + s.id())).build();
    }

    /** The same POST with Accept: text/event-stream streams the removal live (curl -N). */
    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(hidden = true)
    public Multi<OutboundSseEvent> unloadStreaming(@PathParam("name") String rawName,
            @QueryParam("timeout") String timeout, @QueryParam("force") @DefaultValue("false") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") String removeDependencies,
            @QueryParam("dryRun") @DefaultValue("false") String dryRun, @Context Sse sse,
            @Context SecurityContext caller, @Context ContainerRequestContext request) {
        if (flag("dryRun", dryRun)) {
            // A plan is one JSON answer, never a stream; and a dry run must never start the removal.
            throw new IllegalArgumentException("dryRun=true answers with a plan as application/json; ask without"
                    + " Accept: text/event-stream");
        }
        Job job = startUnload(rawName, timeout, force, removeDependencies, caller);
        audit.write(request, 200, job.snapshot());
        return JobAnswers.stream(job, sse);
    }

    @POST
    @Path("{name}/reload")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "reloadModule", summary = "Reload a module, with new parameters",
            description = "One job on the module's lane: a patient removal, exactly as an unload (waiting for the"
                    + " refcount, retries, timeout, cancel, progress and busy explanation), then a load with the body's"
                    + " parameters (modprobe.d's options first, the body's winning). Nothing else queued on the lane runs"
                    + " between the two halves; a load that arrives meanwhile is answered after the reload. Once the module"
                    + " is out the job cannot be cancelled. If the new load fails, the job loads the module again with the"
                    + " parameters it had (those kmodd loaded it with, else modprobe.d's) and its outcome says whether"
                    + " that worked. With Accept: text/event-stream the same POST streams the job's events. Needs the"
                    + " operator role; ignoreBlacklist needs admin.")
    @APIResponse(responseCode = "202", description = "The job; Location is /jobs/{id}", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = io.kmodd.jobs.JobSnapshot.class),
            examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "200", description = "With Accept: text/event-stream: the job's events until it ends",
            content = @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "The module is not loaded (or is built in): load it instead.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Other modules hold it (without withHolders), or one of them is in"
            + " use; the detail names them.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", ref = "LaneFull")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    public Response reload(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName,
            @QueryParam("timeout") @Parameter(description = "How long the removal waits and retries (500ms, 10s, 2m);"
                    + " default kmodd.unload.default-timeout", example = "10s") String timeout,
            @QueryParam("ignoreBlacklist") @DefaultValue("false") @Parameter(description = "Reload even if modprobe.d"
                    + " blacklists it (admin)") String ignoreBlacklist,
            @QueryParam("withHolders") @DefaultValue("false") @Parameter(description = "First take down the modules"
                    + " that use it (each must be unused), and load them again afterwards with what kmodd loaded them"
                    + " with") String withHolders,
            @RequestBody(required = false, description = "The parameters to load it with, key to string value", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LoadRequest.class),
                    examples = @ExampleObject(name = "loop with 8 devices", value = "{\"params\":{\"max_loop\":\"8\"}}")))
            String body,
            @Context SecurityContext caller) {
        JobSnapshot s = startReload(rawName, timeout, ignoreBlacklist, withHolders, body, caller).snapshot();
        return Response.accepted(s).location(URI.create("/jobs/" + s.id())).build();
    }

    /** The same POST with Accept: text/event-stream streams the reload live (curl -N). */
    @POST
    @Path("{name}/reload")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(hidden = true)
    public Multi<OutboundSseEvent> reloadStreaming(@PathParam("name") String rawName, @QueryParam("timeout") String timeout,
            @QueryParam("ignoreBlacklist") @DefaultValue("false") String ignoreBlacklist,
            @QueryParam("withHolders") @DefaultValue("false") String withHolders, String body, @Context Sse sse,
            @Context SecurityContext caller, @Context ContainerRequestContext request) {
        Job job = startReload(rawName, timeout, ignoreBlacklist, withHolders, body, caller);
        audit.write(request, 200, job.snapshot());
        return JobAnswers.stream(job, sse);
    }

    private Job startReload(String rawName, String timeout, String ignoreBlacklist, String withHolders, String body,
            SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        boolean overrideBlacklist = flag("ignoreBlacklist", ignoreBlacklist);
        if (overrideBlacklist) {
            requireAdmin(caller, "ignoreBlacklist=true");
        }
        LoadRequest request = body == null || body.isBlank() ? null : parse(body);
        ModuleParameters params = ModuleParameters.of(request == null ? null : request.params());
        UnloadOptions removal = unloadOptions(timeout, "false", "false", caller);
        return operations.reload(name, new ReloadRequest(params, removal, overrideBlacklist, flag("withHolders", withHolders))).job();
    }

    private Job startUnload(String rawName, String timeout, String force, String removeDependencies,
            SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        return operations.unload(name, unloadOptions(timeout, force, removeDependencies, caller)).job();
    }

    private UnloadOptions unloadOptions(String timeout, String force, String removeDependencies, SecurityContext caller) {
        Duration t = timeout == null ? config.unload().defaultTimeout()
                : DurationText.parse(timeout, config.unload().maxTimeout());
        UnloadOptions options = new UnloadOptions(t, flag("force", force), flag("removeDependencies", removeDependencies));
        if (options.force()) {
            requireAdmin(caller, "force=true (a forced removal taints the kernel)");
        }
        return options;
    }

    private static void requireAdmin(SecurityContext caller, String what) {
        if (!caller.isUserInRole(Role.ADMIN_NAME)) {
            throw new RefusedException(Refusal.NEEDS_ADMIN, what + " needs the admin role");
        }
    }

    static boolean flag(String name, String value) {
        if ("true".equalsIgnoreCase(value) || "1".equals(value)) {
            return true;
        }
        if ("false".equalsIgnoreCase(value) || "0".equals(value)) {
            return false;
        }
        throw new IllegalArgumentException("query parameter '" + name + "' must be true or false");
    }
}
