package io.kmodd.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.text.Untrusted;
import io.kmodd.jobs.JobSnapshot;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The audit trail: one structured record per write request (POST, PUT, DELETE), as a JSON line on the {@code kmodd.audit}
 * logger, which journald keeps from the console: who (the token's name, never the token), what, which
 * module, the parameters, the HTTP status, the job, the outcome and the errno. Written after the answer
 * is known, whatever it was (accepted, joined, refused, failed), so no write goes unrecorded.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger AUDIT = Logger.getLogger("kmodd.audit");

    private final ObjectMapper json;

    public AuditLog(ObjectMapper json) {
        this.json = json;
    }

    @ServerResponseFilter
    public void record(ContainerRequestContext request, ContainerResponseContext response) {
        String method = request.getMethod();
        if (!method.equals("POST") && !method.equals("PUT") && !method.equals("DELETE")) {
            return;
        }
        if (MediaType.SERVER_SENT_EVENTS_TYPE.isCompatible(response.getMediaType())) {
            return; // A streamed answer is recorded by its resource, which knows the job.
        }
        write(request, response.getStatus(), response.getEntity());
    }

    /** Writes the record for one write request; {@code entity} is what was answered (job, problem, ...). */
    public void write(ContainerRequestContext request, int status, Object entity) {
        Map<String, Object> r = new LinkedHashMap<>();
        SecurityContext sc = request.getSecurityContext();
        r.put("audit", "kmodd");
        r.put("who", sc == null || sc.getUserPrincipal() == null ? "anonymous" : sc.getUserPrincipal().getName());
        r.put("action", request.getMethod() + " " + request.getUriInfo().getPath());
        String query = request.getUriInfo().getRequestUri().getRawQuery();
        if (query != null) {
            r.put("query", Untrusted.printable(query, 200));
        }
        r.put("status", status);
        if (entity instanceof JobSnapshot job) {
            r.put("module", job.module());
            r.put("job", job.id());
            r.put("params", job.params());
            r.put("outcome", job.state());
            if (job.error() != null && job.error().errno() != null) {
                r.put("errno", job.error().errno());
            }
        } else if (entity instanceof Audited a) {
            a.describe(r);
        }
        try {
            AUDIT.info(json.writeValueAsString(r));
        } catch (JsonProcessingException e) {
            AUDIT.info(r.toString());
        }
    }
}
