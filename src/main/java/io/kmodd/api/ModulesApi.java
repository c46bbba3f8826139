package io.kmodd.api;

import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.RemovalPlan;
import io.kmodd.security.Role;
import io.kmodd.usage.UsageExplanation;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The modules API as a contract: paths, media types, parameters and every documented answer. {@link
 * ModulesResource} implements it and holds only the behaviour (on which thread, what runs). Who may call is
 * part of the contract: the roles are here, where the document shows them.
 * The JSON and event-stream variants of a POST share one query record each.
 */
@Path("/modules")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "modules")
public interface ModulesApi {
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
    List<ModuleView> list();

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
    ModuleView get(@PathParam("name") @Parameter(description = "Module name (letters, digits, _ and -; at most 55)", example = "loop") String name);

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
    UsageExplanation usage(@PathParam("name") @Parameter(description = "Module name (letters, digits, _ and -; at most 55)", example = "loop") String name);

    @POST
    @Path("{name}/load")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "loadModule", summary = "Load a module and its dependencies",
            description = "Queues the load on the module's lane; a load already queued or running with the same"
                    + " parameters is joined (same job, one finit_module). Dependencies load first, each on its own"
                    + " lane. Needs the operator role; ignoreBlacklist needs admin.")
    @APIResponse(responseCode = "200", description = "Already loaded (no job, no kernel call), or with ?wait the"
            + " job that succeeded", content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(
                    oneOf = {AlreadyLoaded.class, JobSnapshot.class}),
                    examples = @ExampleObject(name = "already loaded",
                            value = "{\"module\":\"xfs\",\"alreadyLoaded\":true,\"builtin\":false}")))
    @APIResponse(responseCode = "202", description = "Queued or joined; Location is /jobs/{id}", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobSnapshot.class),
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
    Uni<Response> load(@PathParam("name") @Parameter(description = "Module name or alias", example = "xfs") String name,
            @BeanParam LoadQuery query,
            @RequestBody(required = false, description = "Module parameters, key to string value", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LoadRequest.class),
                    examples = @ExampleObject(name = "loop with 4 devices", value = "{\"params\":{\"max_loop\":\"4\"}}")))
            String body,
            @Context SecurityContext caller);

    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "unloadModule", summary = "Remove a module, patiently",
            description = "Answers at once with the job. The job waits for the refcount to reach 0, calls"
                    + " delete_module(O_NONBLOCK), retries EAGAIN/EBUSY until the timeout, and fails at the deadline"
                    + " leaving the module loaded. Holders (other modules) make it fail at once with 409. With"
                    + " Accept: text/event-stream the same POST streams the job's events. Needs the operator role;"
                    + " force needs admin.")
    @APIResponse(responseCode = "202", description = "The job; Location is /jobs/{id}", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobSnapshot.class),
            examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "200", description = "With dryRun=true: what the removal would do (a RemovalPlan); with"
            + " Accept: text/event-stream: the job's events until it ends",
            content = {@Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = RemovalPlan.class)),
                    @Content(mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING),
                            examples = @ExampleObject(name = "removal", value = ApiDoc.SSE_EXAMPLE))})
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "The module is not loaded (or is built in).", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "Other modules hold it; the detail names them.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "429", ref = "LaneFull")
    @APIResponse(responseCode = "503", ref = "Unavailable")
    Response unload(@PathParam("name") @Parameter(description = "Module name", example = "loop") String name,
            @BeanParam UnloadQuery query, @Context SecurityContext caller);

    /** The same POST with Accept: text/event-stream streams the removal live (curl -N). */
    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(hidden = true)
    Multi<OutboundSseEvent> unloadStreaming(@PathParam("name") String name, @BeanParam UnloadQuery query,
            @Context Sse sse, @Context SecurityContext caller);

    @POST
    @Path("{name}/reload")
    @Consumes(MediaType.WILDCARD)
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
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = JobSnapshot.class),
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
    Response reload(@PathParam("name") @Parameter(description = "Module name", example = "loop") String name,
            @BeanParam ReloadQuery query,
            @RequestBody(required = false, description = "The parameters to load it with, key to string value", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = LoadRequest.class),
                    examples = @ExampleObject(name = "loop with 8 devices", value = "{\"params\":{\"max_loop\":\"8\"}}")))
            String body,
            @Context SecurityContext caller);

    /** The same POST with Accept: text/event-stream streams the reload live (curl -N). */
    @POST
    @Path("{name}/reload")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(hidden = true)
    Multi<OutboundSseEvent> reloadStreaming(@PathParam("name") String name, @BeanParam ReloadQuery query, String body,
            @Context Sse sse, @Context SecurityContext caller);
}
