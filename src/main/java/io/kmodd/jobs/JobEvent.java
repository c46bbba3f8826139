package io.kmodd.jobs;

import java.time.Instant;
import java.util.Map;

/**
 * One thing that happened to a job, kept in its history and streamed live.
 *
 * @param seq the event's number within its job, from 1
 * @param state the job's state after the event
 * @param data structured facts (refcnt, errno, elapsedMs, ...), small and free of secrets; enums in it
 *     are written by their wire names
 */
public record JobEvent(long seq, Instant at, EventType type, String state, String message, Map<String, Object> data) {
    public JobEvent {
        data = Map.copyOf(data);
    }
}
