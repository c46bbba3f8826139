package io.kmodd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.persistence.PersistedModule;
import io.kmodd.persistence.PersistenceStore;
import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * One module's entry in what survives a reboot: kmodd's drop-ins in modules-load.d and modprobe.d, the same files Ansible's
 * modprobe "persistent" and systemd-modules-load use, so the host restores them even without kmodd.
 */
@Path("/modules/{name}/persistence")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "persistence", description = "Modules and parameters restored at boot")
public class PersistenceResource {
    private static final String FORM = "the body must be a JSON object such as {\"load\": true, \"params\": {\"max_loop\": \"8\"}}";

    private final PersistenceStore store;
    private final ModulePolicy policy;
    private final ObjectMapper json;

    public PersistenceResource(PersistenceStore store, ModulePolicy policy, ObjectMapper json) {
        this.store = store;
        this.policy = policy;
        this.json = json;
    }

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
    public PersistedModule put(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(implementation = PersistRequest.class),
                    examples = @ExampleObject(name = "loop", value = "{\"load\": true, \"params\": {\"max_loop\": \"8\"}}")))
            String body) {
        ModuleName name = ModuleName.of(rawName);
        if (body == null || body.isBlank()) {
            throw JsonBodies.invalid(FORM);
        }
        JsonNode root = JsonBodies.object(json, body, Set.of("load", "params"), FORM);
        JsonNode load = root.get("load");
        if (load == null || !load.isBoolean()) {
            throw JsonBodies.invalid("\"load\" must be true or false; " + FORM);
        }
        ModuleParameters params = ModuleParameters.of(JsonBodies.strings(root.get("params"), "params", FORM));
        policy.denial(name, "persisting").ifPresent(why -> {
            throw new RefusedException(Refusal.POLICY_DENIED, why);
        });
        return store.put(name, load.booleanValue(), params);
    }

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
    public Response forget(@PathParam("name") @Parameter(description = "Module name", example = "loop") String rawName) {
        ModuleName name = ModuleName.of(rawName);
        policy.denial(name, "persisting").ifPresent(why -> {
            throw new RefusedException(Refusal.POLICY_DENIED, why);
        });
        if (!store.remove(name)) {
            throw new ProblemException(Problem.of("not-persisted", "Not persisted", 404,
                    name + " is not in kmodd's drop-ins").withModule(name.value()));
        }
        return Response.noContent().build();
    }
}
