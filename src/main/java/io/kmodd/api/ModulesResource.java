package io.kmodd.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.jobs.DurationText;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.ModuleOperations;
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
import java.util.List;

/** Modules: list, inspect, load and unload. Thin: validation here, work in {@link ModuleOperations}. */
@Path("/modules")
@Produces(MediaType.APPLICATION_JSON)
public class ModulesResource {
    private final Kernel kernel;
    private final ModuleOperations operations;
    private final KmoddConfig config;
    private final ObjectMapper json;

    public ModulesResource(Kernel kernel, ModuleOperations operations, KmoddConfig config, ObjectMapper json) {
        this.kernel = kernel;
        this.operations = operations;
        this.config = config;
        this.json = json;
    }

    @GET
    public List<ModuleView> list() {
        return kernel.loadedModules().stream()
                .sorted(Comparator.comparing(m -> m.name().value()))
                .map(m -> ModuleView.of(m, false))
                .toList();
    }

    @GET
    @Path("{name}")
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
    public Uni<Response> load(@PathParam("name") String rawName, @QueryParam("wait") String wait, String body)
            throws JsonProcessingException {
        ModuleName name = ModuleName.of(rawName);
        // The body is optional, so it is taken raw: a POST without one (curl -X POST) must not be a 415.
        LoadRequest request = body == null || body.isBlank() ? null : json.readValue(body, LoadRequest.class);
        ModuleParameters params = ModuleParameters.of(request == null ? null : request.params());
        Duration waitFor = wait == null ? Duration.ZERO : DurationText.parse(wait, config.load().maxWait());
        ModuleOperations.LoadTicket ticket = operations.load(name, params);
        if (ticket.job() == null) {
            return Uni.createFrom().item(Response.ok(
                    new AlreadyLoaded(ticket.module().value(), true, ticket.builtin())).build());
        }
        return JobAnswers.answer(ticket.job(), waitFor);
    }

    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Blocking
    public Response unload(@PathParam("name") String rawName, @QueryParam("timeout") String timeout,
            @QueryParam("force") @DefaultValue("false") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") String removeDependencies) {
        Job job = startUnload(rawName, timeout, force, removeDependencies);
        JobSnapshot s = job.snapshot();
        return Response.accepted(s).location(URI.create("/jobs/" + s.id())).build();
    }

    /** The same POST with Accept: text/event-stream streams the removal live (curl -N). */
    @POST
    @Path("{name}/unload")
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking
    public Multi<OutboundSseEvent> unloadStreaming(@PathParam("name") String rawName,
            @QueryParam("timeout") String timeout, @QueryParam("force") @DefaultValue("false") String force,
            @QueryParam("removeDependencies") @DefaultValue("false") String removeDependencies, @Context Sse sse) {
        return JobAnswers.stream(startUnload(rawName, timeout, force, removeDependencies), sse);
    }

    private Job startUnload(String rawName, String timeout, String force, String removeDependencies) {
        ModuleName name = ModuleName.of(rawName);
        Duration t = timeout == null ? config.unload().defaultTimeout()
                : DurationText.parse(timeout, config.unload().maxTimeout());
        UnloadOptions options = new UnloadOptions(t, flag("force", force), flag("removeDependencies", removeDependencies));
        return operations.unload(name, options).job();
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
