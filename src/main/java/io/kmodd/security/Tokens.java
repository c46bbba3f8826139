package io.kmodd.security;

import io.kmodd.config.KmoddConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Finds and loads the token file at start-up: the configured path, else the systemd credential
 * ($CREDENTIALS_DIRECTORY/tokens, from LoadCredential=), else /etc/kmodd/tokens. With authentication on,
 * a missing or too-open file stops the daemon from starting, with the reason.
 */
@ApplicationScoped
public class Tokens {
    private static final Logger LOG = Logger.getLogger(Tokens.class);

    @Produces
    @ApplicationScoped
    TokenStore tokenStore(KmoddConfig config) {
        if (!config.auth().enabled()) {
            LOG.warn("authentication is OFF (kmodd.auth.enabled=false): anyone who reaches kmodd can load kernel code");
            return TokenStore.empty();
        }
        Path file = locate(config.auth().tokensFile());
        if (!Files.exists(file)) {
            throw new IllegalStateException("no token file at " + file + ": create one with lines 'NAME ROLE TOKEN' "
                    + "(mode 600; deploy/dev/setup-debian.sh makes one), or set kmodd.auth.tokens-file");
        }
        TokenStore store = TokenStore.load(file);
        LOG.infof("loaded %d bearer tokens from %s", store.size(), file);
        return store;
    }

    static Path locate(Optional<String> configured) {
        if (configured.isPresent()) {
            return Path.of(configured.get());
        }
        String creds = System.getenv("CREDENTIALS_DIRECTORY");
        if (creds != null && Files.exists(Path.of(creds, "tokens"))) {
            return Path.of(creds, "tokens");
        }
        return Path.of("/etc/kmodd/tokens");
    }
}
