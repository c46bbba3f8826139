package io.kmodd.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * One thing that happened to a job, kept in its history and streamed live.
 *
 * @param seq the event's number within its job, from 1
 * @param type one of queued, joined, state, dependency, refcnt, attempt, progress, warning, outcome
 * @param state the job's state after the event
 * @param data structured facts (refcnt, errno, elapsedMs, ...), small and free of secrets
 */
public record JobEvent(long seq, Instant at, String type, String state, String message, Map<String, Object> data) {
    public JobEvent {
        data = Map.copyOf(data);
    }
}
