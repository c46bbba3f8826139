package io.kmodd.api;

import io.kmodd.jobs.Gone;
import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.JobState;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.kernel.ModuleName;
import io.smallrye.mutiny.Multi;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Jobs: list, inspect, cancel, and follow as Server-Sent Events, as {@link JobsApi} declares them. */
public class JobsResource implements JobsApi {
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final JobRegistry registry;
    private final ModuleOperations operations;

    public JobsResource(JobRegistry registry, ModuleOperations operations) {
        this.registry = registry;
        this.operations = operations;
    }

    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    @Override
    public Response list(JobsQuery query) {
        String module = query.module();
        String state = query.state();
        String limit = query.limit();
        String after = query.after();
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

    @Override
    public JobSnapshot get(String id) {
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

    @Override
    public JobSnapshot cancel(String id) {
        checkId(id);
        return operations.cancel(id).snapshot();
    }

    @Override
    public Multi<OutboundSseEvent> events(String id, Sse sse) {
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
