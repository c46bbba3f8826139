package io.kmodd.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Contact;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.servers.Server;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The API as a whole, for the OpenAPI document committed under openapi/. */
@OpenAPIDefinition(
        info = @Info(title = "kmodd", version = "1",
                description = "Loads and patiently removes Linux kernel modules through per-module queues. Every error"
                        + " is an RFC 9457 application/problem+json; where the kernel was the reason it carries the"
                        + " errno by name.",
                contact = @Contact(name = "kmodd"),
                license = @License(name = "Apache-2.0", url = "https://www.apache.org/licenses/LICENSE-2.0")),
        servers = @Server(url = "http://127.0.0.1:8080", description = "kmodd on this host (loopback by default)"),
        security = @SecurityRequirement(name = "bearer"),
        tags = {@Tag(name = "modules", description = "Loaded modules, loads and patient unloads"),
                @Tag(name = "jobs", description = "The work queued on the modules' lanes")},
        // The problems every endpoint can answer, defined once and referenced by name.
        components = @Components(responses = {
                @APIResponse(name = "BadInput", responseCode = "400", description = ApiDoc.BAD_INPUT, content = @Content(
                        mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class),
                        examples = @ExampleObject(name = "bad name", value = ApiDoc.PROBLEM_EXAMPLE))),
                @APIResponse(name = "Unauthorized", responseCode = "401", description = ApiDoc.UNAUTHORIZED,
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class))),
                @APIResponse(name = "Forbidden", responseCode = "403", description = ApiDoc.FORBIDDEN,
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class))),
                @APIResponse(name = "NoSuchJob", responseCode = "404", description = "No such job.",
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class))),
                @APIResponse(name = "JobExpired", responseCode = "410",
                        description = "The job passed out of the retention; its outcome is no longer kept.",
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class))),
                @APIResponse(name = "LaneFull", responseCode = "429", description = "The module's lane is full.",
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class))),
                @APIResponse(name = "Unavailable", responseCode = "503", description = ApiDoc.UNAVAILABLE,
                        content = @Content(mediaType = ApiDoc.PROBLEM, schema = @Schema(implementation = Problem.class)))}))
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A token from kmodd's token file: viewer reads, operator loads/unloads/cancels, admin forces")
public class KmoddApi extends Application {
}
