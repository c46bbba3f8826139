package io.kmodd.api;

import io.kmodd.persistence.PersistedModule;
import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * One module's entry in what survives a reboot, as a contract: kmodd's drop-ins in modules-load.d and
 * modprobe.d, the same files Ansible's modprobe "persistent" and systemd-modules-load use, so the host restores
 * them even without kmodd. {@link PersistenceResource} implements it.
 */
@Path("/modules/{name}/persistence")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "persistence", description = "Modules and parameters restored at boot")
public interface PersistenceApi {
    @PUT
    @Consumes(MediaType.WILDCARD)
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "persistModule", summary = "Restore a module (and its parameters) at boot",
            description = "load: list it in modules-load.d; params: its options line in modprobe.d. Replaces what"
                    + " the drop-ins said of this module and keeps every other line. Written atomically.")
    @APIResponse(responseCode = "200", description = "What is now persisted", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PersistedModule.class),
            examples = @ExampleObject(name = "loop", value = "{\"module\":\"loop\",\"load\":true,\"params\":{\"max_loop\":\"8\"}}")))
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "507", description = ApiDoc.STORAGE_FULL, content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    PersistedModule put(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PersistRequest.class),
                    examples = @ExampleObject(name = "loop", value = "{\"load\": true, \"params\": {\"max_loop\": \"8\"}}")))
            String body);

    @DELETE
    @RolesAllowed(Role.OPERATOR_NAME)
    @Operation(operationId = "forgetModule", summary = "Stop restoring a module at boot",
            description = "Removes its lines from both drop-ins; the module itself is not touched.")
    @APIResponse(responseCode = "204", description = "Forgotten")
    @APIResponse(responseCode = "400", ref = "BadInput")
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "404", description = "The drop-ins do not mention it", content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    @APIResponse(responseCode = "507", description = ApiDoc.STORAGE_FULL, content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))
    Response forget(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName);
}
