package io.kmodd.api;

import io.kmodd.persistence.PersistedModule;
import io.kmodd.persistence.PersistenceStore;
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

/** Everything kmodd's drop-ins restore at boot, read anew from the files each time. */
@Path("/persistence")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "persistence")
public class PersistenceListResource {
    private final PersistenceStore store;

    public PersistenceListResource(PersistenceStore store) {
        this.store = store;
    }

    @GET
    @RolesAllowed(Role.VIEWER_NAME)
    @Operation(operationId = "listPersistence", summary = "List what is restored at boot",
            description = "Read anew from the drop-ins each time, hand edits included.")
    @APIResponse(responseCode = "200", description = "Every module the drop-ins mention", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = PersistedModule.class, type = SchemaType.ARRAY),
            examples = @ExampleObject(name = "loop", value = "[{\"module\":\"loop\",\"load\":true,\"params\":{\"max_loop\":\"8\"}}]")))
    @APIResponse(responseCode = "401", ref = "Unauthorized")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    public List<PersistedModule> list() {
        return store.list();
    }

}
