package io.kmodd.api;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Contact;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
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
                @Tag(name = "jobs", description = "The work queued on the modules' lanes")})
@SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "A token from kmodd's token file: viewer reads, operator loads/unloads/cancels, admin forces")
public class KmoddApi extends Application {
}
