package io.kmodd.api;

import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.JobState;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.kernel.ModuleName;
import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Jobs: list, inspect, cancel, and follow as Server-Sent Events. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobsResource {
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final JobRegistry registry;
    private final ModuleOperations operations;

    public JobsResource(JobRegistry registry, ModuleOperations operations) {
        this.registry = registry;
        this.operations = operations;
    }

    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    public List<JobSnapshot> list(@QueryParam("module") String module, @QueryParam("state") String state) {
        Predicate<JobSnapshot> filter = s -> true;
        if (module != null) {
            String m = ModuleName.of(module).value();
            filter = filter.and(s -> s.module().equals(m));
        }
        if (state != null) {
            JobState st = JobState.parse(state).orElseThrow(() -> new IllegalArgumentException(
                    "state must be one of queued, waiting, running, succeeded, failed, cancelled"));
            filter = filter.and(s -> s.state().equals(st.wireName()));
        }
        return registry.list(filter).stream().map(JobsResource::withoutEvents).toList();
    }

    private static JobSnapshot withoutEvents(JobSnapshot s) {
        return new JobSnapshot(s.id(), s.module(), s.operation(), s.state(), s.requests(), s.createdAt(),
                s.startedAt(), s.finishedAt(), s.error(), s.outcome(), s.alreadyLoaded(), s.params(), s.parentId(), null);
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.VIEWER_NAME)
    public JobSnapshot get(@PathParam("id") String id) {
        checkId(id);
        return registry.snapshot(id).orElseThrow(() -> notFound(id));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.OPERATOR_NAME)
    public JobSnapshot cancel(@PathParam("id") String id) {
        checkId(id);
        return operations.cancel(id).snapshot();
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Role.VIEWER_NAME)
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        checkId(id);
        Optional<Job> live = registry.find(id);
        if (live.isPresent()) {
            return JobAnswers.stream(live.get(), sse);
        }
        // A job of an earlier run: its history, then the stream closes.
        return JobAnswers.replay(registry.snapshot(id).orElseThrow(() -> notFound(id)), sse);
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(
                Problem.of("not-found", "Not found", 404, "no job " + id + " (finished jobs are kept up to a bound)"));
    }

    private static void checkId(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a job id is a lower-case UUID such as 3f2b9c9c-df38-4e1b-9a3e-0123456789ab");
        }
    }
}
