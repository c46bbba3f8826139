package io.kmodd.security;

import io.kmodd.config.KmoddConfig;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.credential.TokenCredential;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.identity.request.TokenAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Quarkus security's way in for kmodd: reads {@code Authorization: Bearer TOKEN} and hands it to the
 * {@link TokenIdentityProvider}. Without a header the caller is anonymous (so @RolesAllowed answers 401),
 * except for reads from loopback when {@code kmodd.auth.anonymous-loopback-reads} is on, and except when
 * authentication is switched off, where every caller holds every role.
 */
@ApplicationScoped
public class BearerTokenMechanism implements HttpAuthenticationMechanism {
    private static final String BEARER = "Bearer ";

    private final KmoddConfig config;
    private final SecurityIdentity everyone;
    private final SecurityIdentity loopbackViewer;

    public BearerTokenMechanism(KmoddConfig config) {
        this.config = config;
        this.everyone = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("auth-disabled"))
                .addRoles(Role.ADMIN.grants()).build();
        this.loopbackViewer = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("anonymous-loopback"))
                .addRoles(Role.VIEWER.grants()).build();
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager identities) {
        if (config.auth().requireClientCertificate() && !hasVerifiedClientCertificate(ctx)) {
            return Uni.createFrom().failure(new AuthenticationFailedException(
                    "kmodd requires TLS with a trusted client certificate (kmodd.auth.require-client-certificate)"));
        }
        if (!config.auth().enabled()) {
            return Uni.createFrom().item(everyone);
        }
        String header = ctx.request().getHeader("Authorization");
        if (header == null) {
            boolean read = "GET".equals(ctx.request().method().name()) || "HEAD".equals(ctx.request().method().name());
            if (read && config.auth().anonymousLoopbackReads() && isLoopback(ctx)) {
                return Uni.createFrom().item(loopbackViewer);
            }
            return Uni.createFrom().nullItem();
        }
        if (!header.regionMatches(true, 0, BEARER, 0, BEARER.length()) || header.length() <= BEARER.length()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("the Authorization header is not 'Bearer TOKEN'"));
        }
        String token = header.substring(BEARER.length()).strip();
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                new TokenAuthenticationRequest(new TokenCredential(token, "bearer")), ctx));
    }

    private static boolean hasVerifiedClientCertificate(RoutingContext ctx) {
        SSLSession tls = ctx.request().sslSession();
        if (tls == null) {
            return false;
        }
        try {
            // Present only when the handshake verified it against the trust store.
            return tls.getPeerCertificates().length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static boolean isLoopback(RoutingContext ctx) {
        var remote = ctx.request().remoteAddress();
        if (remote == null || remote.hostAddress() == null) {
            return false;
        }
        String host = remote.hostAddress();
        return host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer realm=\"kmodd\""));
    }

    /**
     * Ahead of Quarkus' own mechanisms: with client certificates requested (mutual TLS), Quarkus also
     * installs one that turns a certificate into a role-less identity, and which of two mechanisms of
     * equal priority runs first is not fixed. Tokens must decide the role every time.
     */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 10_000;
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(TokenAuthenticationRequest.class);
    }
}
