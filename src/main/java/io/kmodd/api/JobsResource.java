package io.kmodd.api;

import io.kmodd.jobs.Gone;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.JobState;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.kernel.ModuleName;
import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.mutiny.Multi;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Jobs: list, inspect, cancel, and follow as Server-Sent Events. */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public class JobsResource {
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final JobRegistry registry;
    private final ModuleOperations operations;

    public JobsResource(JobRegistry registry, ModuleOperations operations) {
        this.registry = registry;
        this.operations = operations;
    }

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "listJobs", summary = "List jobs, newest first, a page at a time",
            description = "Unfinished jobs, and finished ones within the retention (kmodd.jobs.retain-finished,"
                    + " kmodd.jobs.retain-for), this run's and earlier runs' (from the journal). Events are left out;"
                    + " GET /jobs/{id} has them. At most `limit` jobs (100 by default, 1000 at most) per answer; when"
                    + " there are more, a `Link: <...>; rel=\"next\"` header gives the next page.")
    @APIResponse(responseCode = "200", description = "The jobs", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobSnapshot.class, type = SchemaType.ARRAY)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    public Response list(
            @QueryParam("module") @Parameter(description = "Only this module's jobs", example = "xfs") String module,
            @QueryParam("state") @Parameter(description = "Only jobs in this state", example = "waiting", schema = @Schema(
                    enumeration = {"queued", "waiting", "running", "succeeded", "failed", "cancelled"})) String state,
            @QueryParam("limit") @Parameter(description = "Jobs per page, 1 to 1000 (default 100)", example = "100")
            String limit,
            @QueryParam("after") @Parameter(description = "The id of the last job of the previous page (from the"
                    + " Link header)", example = "019cc2a1-3c70-7aa0-8e21-0123456789ab") String after) {
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
        int n = limit(limit);
        Optional<JobRegistry.Cursor> cursor = Optional.empty();
        if (after != null) {
            checkId(after);
            cursor = Optional.of(JobRegistry.Cursor.after(after, registry).orElseThrow(() -> new IllegalArgumentException(
                    "after=" + after + " is not a job kmodd keeps; start again from the first page")));
        }
        JobRegistry.Page page = registry.page(filter, cursor, n);
        Response.ResponseBuilder r = Response.ok(page.jobs());
        page.next().ifPresent(next -> {
            StringBuilder q = new StringBuilder("/jobs?limit=").append(n).append("&after=").append(next);
            if (module != null) {
                q.append("&module=").append(ModuleName.of(module).value());
            }
            if (state != null) {
                q.append("&state=").append(JobState.parse(state).orElseThrow().wireName());
            }
            r.header("Link", "<" + q + ">; rel=\"next\"");
        });
        return r.build();
    }

    private static int limit(String text) {
        if (text == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Said below.
        }
        throw new IllegalArgumentException("limit must be a whole number from 1 to " + MAX_LIMIT);
    }

    @GET
    @Path("{id}")
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "getJob", summary = "Show one job with its events")
    @APIResponse(responseCode = "200", description = "The job", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobSnapshot.class), examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "No such job.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "410", description = "The job passed out of the retention; its outcome is no longer kept.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    public JobSnapshot get(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id) {
        checkId(id);
        return found(id);
    }

    /** The job kmodd keeps, or 410 when its id predates the retention horizon, or 404. */
    private JobSnapshot found(String id) {
        JobRegistry.Lookup l = registry.lookup(id);
        if (l instanceof JobRegistry.Found f) {
            return f.job();
        }
        if (l instanceof JobRegistry.Gone g) {
            throw new ProblemException(Problem.of("gone", "Job is no longer kept", 410, Gone.detail(id, g.horizon()))
                    .withJob(id).withInstance("/jobs/" + id));
        }
        throw notFound(id);
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "cancelJob", summary = "Cancel a queued or waiting job",
            description = "The module stays as it was. Needs the operator role.")
    @APIResponse(responseCode = "200", description = "The job", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobSnapshot.class), examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "No such job.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "410", description = "The job passed out of the retention; its outcome is no longer kept.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "409", description = "The job has finished, or is inside a kernel call.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    public JobSnapshot cancel(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id) {
        checkId(id);
        return operations.cancel(id).snapshot();
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "followJob", summary = "Follow a job as Server-Sent Events",
            description = "The job's history first, then live events until it ends, then the stream closes. Event"
                    + " names are the event types: queued, joined, state, dependency, refcnt, attempt, progress,"
                    + " warning, outcome.")
    @APIResponse(responseCode = "200", description = "The event stream", content = @Content(
            mediaType = MediaType.SERVER_SENT_EVENTS, schema = @Schema(type = SchemaType.STRING),
            examples = @ExampleObject(name = "removal", value = ApiDoc.SSE_EXAMPLE)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "No such job.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "410", description = "The job passed out of the retention; its outcome is no longer kept.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    public Multi<OutboundSseEvent> events(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id, @Context Sse sse) {
        checkId(id);
        Optional<Job> live = registry.find(id);
        if (live.isPresent()) {
            return JobAnswers.stream(live.get(), sse);
        }
        // A job of an earlier run: its history, then the stream closes.
        return JobAnswers.replay(found(id), sse);
    }

    private static ProblemException notFound(String id) {
        return new ProblemException(
                Problem.of("not-found", "Not found", 404, "no job " + id));
    }

    private static void checkId(String id) {
        if (!JOB_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a job id is a lower-case UUID such as 3f2b9c9c-df38-4e1b-9a3e-0123456789ab");
        }
    }
}
