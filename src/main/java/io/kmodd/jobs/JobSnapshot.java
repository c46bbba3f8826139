package io.kmodd.jobs;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * An immutable copy of a job at one moment: the API's job document and the journal's record. Fields not
 * yet known are null (the OpenAPI schema says which).
 *
 * @param parentId the job this one serves as a dependency step, or null
 * @param events the history; null in GET /jobs lists
 */
public record JobSnapshot(String id, String module, String operation, String state, int requests, Instant createdAt,
        @Schema(nullable = true) Instant startedAt, @Schema(nullable = true) Instant finishedAt,
        @Schema(nullable = true) JobError error, @Schema(nullable = true) String outcome, boolean alreadyLoaded,
        Map<String, String> params, @Schema(nullable = true) String parentId,
        @Schema(nullable = true) List<JobEvent> events) {
}
