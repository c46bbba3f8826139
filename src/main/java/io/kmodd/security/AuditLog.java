package io.kmodd.security;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.config.KmoddConfig;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.text.Untrusted;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.vertx.http.runtime.CurrentVertxRequest;
import io.quarkus.vertx.http.runtime.security.QuarkusHttpUser;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.SecurityContext;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The audit trail: one structured record per write request (POST, PUT, DELETE), as a JSON line on the
 * {@code kmodd.audit} logger, which journald keeps from the console: who (the token's name, never the
 * token), from where, what, which module, the parameters, the HTTP status as sent, the job, the outcome
 * and the errno. It is written by a handler ahead of every other route, when the answer has been sent,
 * so refusals made by the HTTP layer itself (413 for an oversized body, 401, 404, 405) are recorded with
 * their real status; the REST layer only adds what it knows of the answer. Failed authentications are
 * coalesced per source and interval ({@link FailedAuthentications}). Thread-safe.
 */
@ApplicationScoped
public class AuditLog {
    private static final Logger AUDIT = Logger.getLogger("kmodd.audit");
    private static final Set<String> WRITES = Set.of("POST", "PUT", "DELETE");
    private static final String FACTS = "kmodd.audit.facts";
    private static final String WRITTEN = "kmodd.audit.written";

    private final ObjectMapper json;
    private final CurrentVertxRequest current;
    private final FailedAuthentications failed;
    private final Vertx vertx;
    private long flusher = -1;

    public AuditLog(ObjectMapper json, CurrentVertxRequest current, KmoddConfig config, Vertx vertx) {
        this.json = json;
        this.current = current;
        this.vertx = vertx;
        this.failed = new FailedAuthentications(config.auth().failedAuthInterval(), Clock.systemUTC(), this::log);
        if (!config.auth().failedAuthInterval().isZero()) {
            flusher = vertx.setPeriodic(Math.max(1000, config.auth().failedAuthInterval().toMillis() / 4),
                    id -> failed.flush());
        }
    }

    /** Ahead of every route: a write request is recorded once its answer has been sent, whatever sent it. */
    void route(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            if (WRITES.contains(ctx.request().method().name())) {
                ctx.addBodyEndHandler(v -> ended(ctx));
                // A client that hangs up before its answer (a ?wait= it gave up on) is recorded too.
                ctx.addEndHandler(ar -> ended(ctx));
            }
            ctx.next();
        });
    }

    void stop(@Observes ShutdownEvent e) {
        if (flusher >= 0) {
            vertx.cancelTimer(flusher);
        }
        failed.flushAll();
    }

    /** What the REST layer knows of a write's answer (caller, job, module, errno), for the record. */
    @ServerResponseFilter
    public void facts(ContainerRequestContext request, ContainerResponseContext response) {
        RoutingContext ctx = current.getCurrent();
        if (ctx == null || !WRITES.contains(request.getMethod())) {
            return;
        }
        ctx.put(FACTS, describe(request.getSecurityContext(), response.getEntity()));
    }

    /**
     * Writes the record of a streamed answer at once (the stream may last an hour); its end then adds
     * nothing.
     */
    public void write(SecurityContext caller, int status, Object entity) {
        RoutingContext ctx = current.getCurrent();
        Map<String, Object> r = base(ctx);
        r.put("status", status);
        r.putAll(describe(caller, entity));
        if (ctx != null) {
            ctx.put(WRITTEN, Boolean.TRUE);
        }
        log(r);
    }

    private void ended(RoutingContext ctx) {
        if (ctx.get(WRITTEN) != null) {
            return;
        }
        ctx.put(WRITTEN, Boolean.TRUE);
        Map<String, Object> r = base(ctx);
        int status = ctx.response().getStatusCode();
        r.put("status", status);
        if (!ctx.response().ended()) {
            r.put("clientGone", true);
        }
        Map<String, Object> facts = ctx.get(FACTS);
        if (facts != null) {
            r.putAll(facts);
        } else {
            r.put("who", principal(ctx));
        }
        if (status == 401) {
            failed.failed(String.valueOf(r.get("source")), r);
        } else {
            log(r);
        }
    }

    private static Map<String, Object> base(RoutingContext ctx) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("audit", "kmodd");
        r.put("who", "anonymous");
        if (ctx == null) {
            return r;
        }
        SocketAddress from = ctx.request().remoteAddress();
        r.put("source", from == null || from.host() == null ? "unix-socket" : from.host());
        r.put("action", ctx.request().method().name() + " " + Untrusted.printable(ctx.request().path(), 200));
        String query = ctx.request().query();
        if (query != null) {
            r.put("query", Untrusted.printable(query, 200));
        }
        return r;
    }

    private static Map<String, Object> describe(SecurityContext sc, Object entity) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("who", sc == null || sc.getUserPrincipal() == null ? "anonymous" : sc.getUserPrincipal().getName());
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
        return r;
    }

    /** The caller, when authentication has already run; never triggers it. */
    private static String principal(RoutingContext ctx) {
        if (ctx.user() instanceof QuarkusHttpUser u) {
            SecurityIdentity id = u.getSecurityIdentity();
            return id.isAnonymous() ? "anonymous" : id.getPrincipal().getName();
        }
        return "anonymous";
    }

    private void log(Map<String, Object> r) {
        try {
            AUDIT.info(json.writeValueAsString(r));
        } catch (JsonProcessingException e) {
            AUDIT.info(r.toString());
        }
    }
}
