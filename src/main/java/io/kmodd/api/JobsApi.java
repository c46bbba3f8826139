package io.kmodd.api;

import io.kmodd.jobs.JobSnapshot;
import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.mutiny.Multi;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.BeanParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * The jobs API as a contract: list, inspect, cancel, and follow as Server-Sent Events, with the role each
 * needs. {@link JobsResource} implements it.
 */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "jobs")
public interface JobsApi {
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
    Response list(@BeanParam JobsQuery query);

    @GET
    @Path("{id}")
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "getJob", summary = "Show one job with its events")
    @APIResponse(responseCode = "200", description = "The job", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = JobSnapshot.class), examples = @ExampleObject(name = "waiting", value = ApiDoc.JOB_EXAMPLE)))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", ref = "NoSuchJob")
    @APIResponse(responseCode = "410", ref = "JobExpired")
    JobSnapshot get(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id);

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
    @APIResponse(responseCode = "404", ref = "NoSuchJob")
    @APIResponse(responseCode = "410", ref = "JobExpired")
    @APIResponse(responseCode = "409", description = "The job has finished, or is inside a kernel call.", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    JobSnapshot cancel(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id);

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
    @APIResponse(responseCode = "404", ref = "NoSuchJob")
    @APIResponse(responseCode = "410", ref = "JobExpired")
    Multi<OutboundSseEvent> events(@PathParam("id") @Parameter(description = "Job id",
            example = "3f2b9c9c-df38-4e1b-9a3e-0123456789ab") String id, @Context Sse sse);
}
