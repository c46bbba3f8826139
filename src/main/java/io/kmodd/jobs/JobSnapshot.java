package io.kmodd.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** An immutable copy of a job at one moment, for the API and for the journal. */
public record JobSnapshot(String id, String module, String operation, String state, int requests, Instant createdAt,
        Instant startedAt, Instant finishedAt, JobError error, String outcome, boolean alreadyLoaded,
        Map<String, String> params, String parentId, List<JobEvent> events) {
}
