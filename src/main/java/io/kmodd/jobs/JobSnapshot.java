package io.kmodd.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An immutable copy of a job at one moment: the API's job document and the journal's record. Fields not
 * yet known are null (the OpenAPI schema says which).
 *
 * @param params the parameters the request named
 * @param effectiveParams what the kernel receives: modprobe.d's options, then the request's (which win);
 *     null for an unload
 * @param parentId the job this one serves as a dependency step, or null
 * @param events the history; null in GET /jobs lists
 */
public record JobSnapshot(String id, String module, String operation, String state, int requests, Instant createdAt,
        @Schema(nullable = true) Instant startedAt, @Schema(nullable = true) Instant finishedAt,
        @Schema(nullable = true) JobError error, @Schema(nullable = true) String outcome, boolean alreadyLoaded,
        Map<String, String> params, @Schema(nullable = true) Map<String, String> effectiveParams,
        @Schema(nullable = true) String parentId,
        @Schema(nullable = true) List<JobEvent> events) {

    /** The same job without its history, as lists show it. */
    public JobSnapshot withoutEvents() {
        return new JobSnapshot(id, module, operation, state, requests, createdAt, startedAt, finishedAt, error, outcome,
                alreadyLoaded, params, effectiveParams, parentId, null);
    }

    /** The same job keeping its first event and its latest {@code max - 1}: how finished jobs are kept. */
    public JobSnapshot withHistoryOf(int max) {
        if (events == null || events.size() <= max) {
            return this;
        }
        List<JobEvent> kept = new java.util.ArrayList<>(max);
        kept.add(events.get(0));
        kept.addAll(events.subList(events.size() - (max - 1), events.size()));
        return new JobSnapshot(id, module, operation, state, requests, createdAt, startedAt, finishedAt, error, outcome,
                alreadyLoaded, params, effectiveParams, parentId, List.copyOf(kept));
    }

    public boolean succeeded() {
        return JobState.SUCCEEDED.wireName().equals(state);
    }

    /** What a job that did not succeed ended with: its error's detail, or its state when it has no error. */
    public String why() {
        return error == null ? state : error.detail();
    }

    public boolean finished() {
        return JobState.parse(state).map(JobState::finished).orElse(false);
    }
}
