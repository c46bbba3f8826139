package io.kmodd.api;

import io.kmodd.jobs.Job;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.JobState;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.net.URI;
import java.time.Duration;

/** How a job is answered over HTTP: at once (202), after a wait, or as a stream of events. */
final class JobAnswers {
    private JobAnswers() {
    }

    /** 202 with the job now; or, with a wait, the final job (200) or its problem, or 202 if the wait ran out. */
    static Uni<Response> answer(Job job, Duration wait) {
        if (wait.isZero()) {
            return Uni.createFrom().item(accepted(job.snapshot()));
        }
        return Uni.createFrom().completionStage(job.completion())
                .ifNoItem().after(wait).recoverWithItem(job)
                .map(j -> {
                    JobSnapshot s = j.snapshot();
                    JobState state = j.state();
                    if (!state.finished()) {
                        return accepted(s);
                    }
                    if (state == JobState.SUCCEEDED) {
                        return Response.ok(s).location(location(s)).build();
                    }
                    return ProblemMappers.respond(Problems.jobFailure(s));
                });
    }

    private static Response accepted(JobSnapshot s) {
        return Response.accepted(s).location(location(s)).build();
    }

    private static URI location(JobSnapshot s) {
        return URI.create("/jobs/" + s.id());
    }

    /** The job's history, then its live events, closing when it ends. Event names are the event types. */
    static Multi<OutboundSseEvent> stream(Job job, Sse sse) {
        return Multi.createFrom().emitter(em -> {
            AutoCloseable sub = job.subscribe(e -> em.emit(toSse(sse, e)), em::complete);
            em.onTermination(() -> {
                try {
                    sub.close();
                } catch (Exception ignored) {
                    // Closing a subscription only drops a listener.
                }
            });
        });
    }

    /** The recorded history of a job that can no longer change. */
    static Multi<OutboundSseEvent> replay(JobSnapshot job, Sse sse) {
        return Multi.createFrom().iterable(job.events()).map(e -> toSse(sse, e));
    }

    private static OutboundSseEvent toSse(Sse sse, JobEvent e) {
        return sse.newEventBuilder()
                .id(Long.toString(e.seq()))
                .name(e.type().wireName())
                .mediaType(MediaType.APPLICATION_JSON_TYPE)
                .data(JobEvent.class, e)
                .build();
    }
}
