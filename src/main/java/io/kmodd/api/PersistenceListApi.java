package io.kmodd.api;

import io.kmodd.security.Role;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Everything kmodd's drop-ins restore at boot, as a contract. {@link PersistenceListResource} implements it. */
@Path("/persistence")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "persistence")
public interface PersistenceListApi {
    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "listPersistence", summary = "List what is restored at boot",
            description = "Read anew from the drop-ins each time, hand edits included, beside the running kernel: whether"
                    + " each module is loaded, and where its persisted parameters differ from the live ones (drift; a"
                    + " parameter the kernel does not show and kmodd did not load is unconfirmed).")
    @APIResponse(responseCode = "200", description = "Every module the drop-ins mention", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PersistedState.class, type = SchemaType.ARRAY),
            examples = @ExampleObject(name = "loop, drifted", value = "[{\"module\":\"loop\",\"load\":true,\"params\":{\"max_loop\":\"8\"},"
                    + "\"loaded\":true,\"drift\":[{\"parameter\":\"max_loop\",\"persisted\":\"8\",\"live\":\"4\"}],\"unconfirmed\":[]}]")))
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    List<PersistedState> list();
}
