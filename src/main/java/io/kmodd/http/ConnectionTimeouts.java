package io.kmodd.http;

import io.kmodd.config.KmoddConfig;
import io.netty.channel.Channel;
import io.netty.handler.timeout.IdleStateHandler;
import io.quarkus.vertx.http.HttpServerOptionsCustomizer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.TimeUnit;

/**
 * Cuts connections that hold a slot without sending a request. Vert.x's read-idle timer sits behind the
 * HTTP decoder, so bytes of an unfinished request head do not reset it: a client has
 * {@code kmodd.http.head-timeout} to send a complete head (a slowloris trickling one header at a time is
 * cut), and a kept-alive connection may sit that long between requests. While a request is being served
 * (a {@code ?wait=} load, an SSE stream of a long removal) the connection has no idle timer at all; it is
 * put back when the answer has been sent. Quarkus' own {@code quarkus.http.idle-timeout} stays the backstop
 * between requests, and {@code quarkus.http.limits.max-connections} bounds how many connections there are.
 * Stateless; thread-safe.
 */
@ApplicationScoped
public class ConnectionTimeouts implements HttpServerOptionsCustomizer {
    private static final String IDLE = "idle";
    private final long headMillis;
    private final long idleMillis;

    public ConnectionTimeouts(KmoddConfig config) {
        this.headMillis = config.http().headTimeout().toMillis();
        this.idleMillis = org.eclipse.microprofile.config.ConfigProvider.getConfig()
                .getOptionalValue("quarkus.http.idle-timeout", java.time.Duration.class)
                .orElse(java.time.Duration.ofMinutes(30)).toMillis();
    }

    @Override
    public void customizeHttpServer(HttpServerOptions options) {
        apply(options);
    }

    @Override
    public void customizeHttpsServer(HttpServerOptions options) {
        apply(options);
    }

    @Override
    public void customizeDomainSocketServer(HttpServerOptions options) {
        apply(options);
    }

    private void apply(HttpServerOptions o) {
        o.setReadIdleTimeout((int) Math.max(1, o.getIdleTimeoutUnit().convert(headMillis, TimeUnit.MILLISECONDS)));
    }

    /** Ahead of every route: the head is complete, so the idle timers step aside until the answer is sent. */
    void route(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::whileServing);
    }

    private void whileServing(RoutingContext ctx) {
        if (ctx.request().version() != HttpVersion.HTTP_2 && ctx.request().connection() instanceof ConnectionBase c) {
            Channel ch = c.channel();
            swap(ch, 0, 0);
            // Back to the configured timers, not to whatever the pipeline held (a pipelined request may
            // have swapped it meanwhile).
            ctx.addBodyEndHandler(v -> swap(ch, headMillis, idleMillis));
            ctx.addEndHandler(v -> swap(ch, headMillis, idleMillis));
        }
        ctx.next();
    }

    private static void swap(Channel ch, long read, long all) {
        Runnable r = () -> {
            if (ch.isActive() && ch.pipeline().get(IDLE) != null) {
                ch.pipeline().replace(IDLE, IDLE, new IdleStateHandler(read, 0, all, TimeUnit.MILLISECONDS));
            }
        };
        if (ch.eventLoop().inEventLoop()) {
            r.run();
        } else {
            ch.eventLoop().execute(r);
        }
    }
}
