package io.kmodd.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.jobs.DurationText;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.security.AuditLog;
import io.kmodd.security.Role;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.core.SecurityContext;
import io.kmodd.jobs.UnloadOptions;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.config.KmoddConfig;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
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
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Modules: list, inspect, load and unload. Thin: validation here, work in {@link ModuleOperations}. */
@Path("/modules")
@Produces(MediaType.APPLICATION_JSON)
public class ModulesResource {
    private final Kernel kernel;
    private final ModuleOperations operations;
    private final KmoddConfig config;
    private final ObjectMapper json;
    private final AuditLog audit;

    public ModulesResource(Kernel kernel, ModuleOperations operations, KmoddConfig config, ObjectMapper json,
            AuditLog audit) {
        this.audit = audit;
        this.kernel = kernel;
        this.operations = operations;
        this.config = config;
        this.json = json;
    }

    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    public List<ModuleView> list() {
        return kernel.loadedModules().stream()
                .sorted(Comparator.comparing(m -> m.name().value()))
                .map(m -> ModuleView.of(m, false))
                .toList();
    }

    @GET
    @Path("{name}")
    @RolesAllowed(Role.VIEWER_NAME)
    public ModuleView get(@PathParam("name") String rawName) {
        ModuleName name = ModuleName.of(rawName);
        return kernel.loadedModule(name).map(m -> ModuleView.of(m, true))
                .orElseThrow(() -> new ProblemException(Problem.of("not-loaded", "Module not loaded", 404,
                        notLoadedDetail(name)).withModule(name.value())));
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
    public Uni<Response> load(@PathParam("name") String rawName, @QueryParam("wait") String wait,
            @QueryParam("ignoreBlacklist") @DefaultValue("false") String ignoreBlacklist, String body,
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
        ModuleOperations.LoadTicket ticket = operations.load(name, params, overrideBlacklist);
        if (ticket.job() == null) {
            return Uni.createFrom().item(Response.ok(
                    new AlreadyLoaded(ticket.module().value(), true, ticket.builtin())).build());
        }
        return JobAnswers.answer(ticket.job(), waitFor);
    }

    private static final String BODY_FORM = "the body must be a JSON object such as {\"params\": {\"max_loop\": \"4\"}}";

    /** Strict: one JSON object, only "params", string values only, nothing after it. */
    private LoadRequest parse(String body) {
        JsonNode root;
        try {
            root = json.readerFor(JsonNode.class).with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(body);
        } catch (JsonProcessingException e) {
            // Parsed here, not by the framework, so every malformed body gets the same problem answer.
            throw invalidBody(BODY_FORM + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw invalidBody(BODY_FORM);
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!field.getKey().equals("params")) {
                throw invalidBody("unknown field '" + printable(field.getKey()) + "'; " + BODY_FORM);
            }
            if (!field.getValue().isObject()) {
                throw invalidBody("\"params\" must be an object of strings; " + BODY_FORM);
            }
            for (Iterator<Map.Entry<String, JsonNode>> p = field.getValue().fields(); p.hasNext();) {
                Map.Entry<String, JsonNode> param = p.next();
                if (!param.getValue().isTextual()) {
                    throw new ProblemException(Problem.of("invalid-parameter", "Invalid module parameter", 400,
                            "the value of '" + printable(param.getKey()) + "' must be a JSON string (write \"1\", not 1)")
                            .withParameter(printable(param.getKey())));
                }
                params.put(param.getKey(), param.getValue().textValue());
            }
        }
        return new LoadRequest(params);
    }

    private static ProblemException invalidBody(String detail) {
        return new ProblemException(Problem.of("invalid-body", "Invalid request body", 400, detail));
    }

    private static String printable(String s) {
        String t = s.replaceAll("[^\\x20-\\x7e]", "?");
        return t.length() > 64 ? t.substring(0, 64) + "..." : t;
    }

    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    @RolesAllowed(Role.OPERATOR_NAME)
    public Response unload(@PathParam("name") String rawName, @QueryParam("timeout") String timeout,
            @QueryParam("force") @DefaultValue("false") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") String removeDependencies,
            @Context SecurityContext caller) {
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
    public Multi<OutboundSseEvent> unloadStreaming(@PathParam("name") String rawName,
            @QueryParam("timeout") String timeout, @QueryParam("force") @DefaultValue("false") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") String removeDependencies, @Context Sse sse,
            @Context SecurityContext caller, @Context ContainerRequestContext request) {
        Job job = startUnload(rawName, timeout, force, removeDependencies, caller);
        audit.write(request, 200, job.snapshot());
        return JobAnswers.stream(job, sse);
    }

    private Job startUnload(String rawName, String timeout, String force, String removeDependencies,
            SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        Duration t = timeout == null ? config.unload().defaultTimeout()
                : DurationText.parse(timeout, config.unload().maxTimeout());
        UnloadOptions options = new UnloadOptions(t, flag("force", force), flag("removeDependencies", removeDependencies));
        if (options.force()) {
            requireAdmin(caller, "force=true (a forced removal taints the kernel)");
        }
        return operations.unload(name, options).job();
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
