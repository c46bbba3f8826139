package io.kmodd.api;

import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The query of a job listing: which jobs, and which page of them. */
public record JobsQuery(
        @QueryParam("module") @Parameter(description = "Only this module's jobs", example = "xfs") String module,
        @QueryParam("state") @Parameter(description = "Only jobs in this state", example = "waiting", schema = @Schema(
                enumeration = {"queued", "waiting", "running", "succeeded", "failed", "cancelled"})) String state,
        @QueryParam("limit") @Parameter(description = "Jobs per page, 1 to 1000 (default 100)", example = "100")
        String limit,
        @QueryParam("after") @Parameter(description = "The id of the last job of the previous page (from the"
                + " Link header)", example = "019cc2a1-3c70-7aa0-8e21-0123456789ab") String after) {
}
