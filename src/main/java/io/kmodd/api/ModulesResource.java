package io.kmodd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.config.KmoddConfig;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.jobs.ModuleOperations.AlreadyThere;
import io.kmodd.jobs.ModuleOperations.LoadAnswer;
import io.kmodd.jobs.ModuleOperations.Queued;
import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.jobs.ReloadRequest;
import io.kmodd.jobs.UnloadOptions;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.security.AuditLog;
import io.kmodd.security.Role;
import io.kmodd.text.DurationText;
import io.kmodd.usage.UsageExplainer;
import io.kmodd.usage.UsageExplanation;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Modules: list, inspect, load, unload and reload, as {@link ModulesApi} declares them (with the role each
 * needs). Thin: the checks of the request here, the work in {@link ModuleOperations}.
 */
public class ModulesResource implements ModulesApi {
    private static final String BODY_FORM = "the body must be a JSON object such as {\"params\": {\"max_loop\": \"4\"}}";

    private final Kernel kernel;
    private final ModuleOperations operations;
    private final KmoddConfig config;
    private final ObjectMapper json;
    private final AuditLog audit;
    private final UsageExplainer explainer;

    public ModulesResource(Kernel kernel, ModuleOperations operations, KmoddConfig config, ObjectMapper json,
            AuditLog audit, UsageExplainer explainer) {
        this.kernel = kernel;
        this.operations = operations;
        this.config = config;
        this.json = json;
        this.audit = audit;
        this.explainer = explainer;
    }

    @Override
    public List<ModuleView> list() {
        return kernel.loadedModules().stream()
                .sorted(Comparator.comparing(m -> m.name().value()))
                .map(m -> ModuleView.of(m, false))
                .toList();
    }

    @Override
    public ModuleView get(String rawName) {
        ModuleName name = ModuleName.of(rawName);
        return kernel.loadedModule(name).map(m -> ModuleView.of(m, true)).orElseThrow(() -> notLoaded(name));
    }

    @Override
    public UsageExplanation usage(String rawName) {
        ModuleName name = ModuleName.of(rawName);
        return explainer.explain(name).orElseThrow(() -> notLoaded(name));
    }

    @Override
    @Blocking
    public Uni<Response> load(String rawName, LoadQuery query, String body, SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        boolean overrideBlacklist = blacklistOverride(query.overridesBlacklist(), caller);
        ModuleParameters params = parameters(body);
        Duration waitFor = query.waitFor() == null ? Duration.ZERO
                : DurationText.parse(query.waitFor(), config.load().maxWait());
        LoadAnswer answer = operations.load(name, params, overrideBlacklist);
        // LoadAnswer is sealed to these two. Java 17, the floor, has no pattern switch; with 21 this becomes one.
        if (answer instanceof Queued queued) {
            return JobAnswers.answer(queued.job(), waitFor);
        }
        if (answer instanceof AlreadyThere there) {
            return Uni.createFrom().item(Response.ok(new AlreadyLoaded(there.module().value(), true, there.builtin())).build());
        }
        throw new IllegalStateException("a load answer that is neither queued nor already there: " + answer);
    }

    @Override
    @Blocking
    public Response unload(String rawName, UnloadQuery query, SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        UnloadOptions options = unloadOptions(query.timeout(), query.forced(), query.withDependencies(), caller);
        if (query.planOnly()) {
            return Response.ok(operations.planUnload(name, options)).build();
        }
        return accepted(operations.unload(name, options).job());
    }

    @Override
    @Blocking
    public Multi<OutboundSseEvent> unloadStreaming(String rawName, UnloadQuery query, Sse sse, SecurityContext caller) {
        if (query.planOnly()) {
            // A plan is one JSON answer, never a stream; and a dry run must never start the removal.
            throw new IllegalArgumentException("dryRun=true answers with a plan as application/json; ask without"
                    + " Accept: text/event-stream");
        }
        ModuleName name = ModuleName.of(rawName);
        Job job = operations.unload(name, unloadOptions(query.timeout(), query.forced(), query.withDependencies(), caller)).job();
        return streamed(job, sse, caller);
    }

    @Override
    @Blocking
    public Response reload(String rawName, ReloadQuery query, String body, SecurityContext caller) {
        return accepted(startReload(rawName, query, body, caller));
    }

    @Override
    @Blocking
    public Multi<OutboundSseEvent> reloadStreaming(String rawName, ReloadQuery query, String body, Sse sse,
            SecurityContext caller) {
        return streamed(startReload(rawName, query, body, caller), sse, caller);
    }

    private Job startReload(String rawName, ReloadQuery query, String body, SecurityContext caller) {
        ModuleName name = ModuleName.of(rawName);
        boolean overrideBlacklist = blacklistOverride(query.overridesBlacklist(), caller);
        ModuleParameters params = parameters(body);
        UnloadOptions removal = unloadOptions(query.timeout(), false, false, caller);
        return operations.reload(name, new ReloadRequest(params, removal, overrideBlacklist, query.takesHoldersDown())).job();
    }

    private static Response accepted(Job job) {
        JobSnapshot s = job.snapshot();
        return Response.accepted(s).location(URI.create("/jobs/" + s.id())).build();
    }

    /** A stream answers 200 before the job ends, so its audit record is written here, with the job it started. */
    private Multi<OutboundSseEvent> streamed(Job job, Sse sse, SecurityContext caller) {
        audit.write(caller, 200, job.snapshot());
        return JobAnswers.stream(job, sse);
    }

    /**
     * The optional body of a load or reload, strictly: one JSON object, only "params", string values only, nothing
     * after it. Taken raw, because a POST without one (curl -X POST) must not be a 415.
     */
    private ModuleParameters parameters(String body) {
        if (body == null || body.isBlank()) {
            return ModuleParameters.of(null);
        }
        JsonNode root = JsonBodies.object(json, body, Set.of("params"), BODY_FORM);
        return ModuleParameters.of(JsonBodies.strings(root.get("params"), "params", BODY_FORM));
    }

    private static boolean blacklistOverride(boolean asked, SecurityContext caller) {
        if (asked) {
            requireAdmin(caller, "ignoreBlacklist=true");
        }
        return asked;
    }

    private UnloadOptions unloadOptions(String timeout, boolean force, boolean removeDependencies, SecurityContext caller) {
        Duration t = timeout == null ? config.unload().defaultTimeout()
                : DurationText.parse(timeout, config.unload().maxTimeout());
        if (force) {
            requireAdmin(caller, "force=true (a forced removal taints the kernel)");
        }
        return new UnloadOptions(t, force, removeDependencies);
    }

    private static void requireAdmin(SecurityContext caller, String what) {
        if (!caller.isUserInRole(Role.ADMIN_NAME)) {
            throw new RefusedException(Refusal.NEEDS_ADMIN, what + " needs the admin role");
        }
    }

    private ProblemException notLoaded(ModuleName name) {
        return new ProblemException(Problems.refusal(Refusal.NOT_LOADED, notLoadedDetail(name)).withModule(name.value()));
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
}
