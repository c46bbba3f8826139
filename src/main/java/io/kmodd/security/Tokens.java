package io.kmodd.security;

import io.kmodd.config.KmoddConfig;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Finds and loads the token file at start-up: the configured path, else the systemd credential
 * ($CREDENTIALS_DIRECTORY/tokens, from LoadCredential=), else /etc/kmodd/tokens. A file that group or
 * others can read stops the daemon from starting; systemd's credential is exempt, as its ACL, not its mode
 * bits, says who reads it (systemd 256+, Debian 13). A missing file does not: kmodd starts with no tokens
 * (every authenticated request answers 401) and readiness says why, so the fix is one file away.
 */
@ApplicationScoped
public class Tokens {
    private static final Logger LOG = Logger.getLogger(Tokens.class);

    private volatile String problem;

    @Produces
    @ApplicationScoped
    TokenStore tokenStore(KmoddConfig config) {
        if (!config.auth().enabled()) {
            LOG.warn("authentication is OFF (kmodd.auth.enabled=false): anyone who reaches kmodd can load kernel code");
            return TokenStore.empty();
        }
        Path file = locate(config.auth().tokensFile());
        if (!Files.exists(file)) {
            problem = "no token file at " + file + ": every request needing a token answers 401; create it with lines"
                    + " 'NAME ROLE TOKEN', mode 600 (deploy/dev/setup-debian.sh makes one), or set kmodd.auth.tokens-file"
                    + credentialHint(config.auth().tokensFile(), System.getenv("CREDENTIALS_DIRECTORY"));
            LOG.error(problem);
            return TokenStore.empty();
        }
        TokenStore store;
        try {
            store = isCredential(file, System.getenv("CREDENTIALS_DIRECTORY")) ? TokenStore.loadCredential(file) : TokenStore.load(file);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + credentialHint(config.auth().tokensFile(), System.getenv("CREDENTIALS_DIRECTORY")), e);
        }
        LOG.infof("loaded %d bearer tokens from %s", store.size(), file);
        return store;
    }

    /** Loads the tokens at start-up, not on the first request, so a too-open file stops the start. */
    void eager(@Observes StartupEvent start, TokenStore store) {
        store.size();
    }

    /** Why no token can authenticate, or null when tokens are loaded (or authentication is off). */
    public String problem() {
        return problem;
    }

    /**
     * What to tell a user whose unit promised a credential that did not arrive: systemd set
     * CREDENTIALS_DIRECTORY but put no tokens in it, so kmodd fell back to /etc/kmodd/tokens, which its
     * dynamic user cannot read.
     */
    static String credentialHint(Optional<String> configured, String creds) {
        if (configured.isPresent() || creds == null || Files.exists(Path.of(creds, "tokens"))) {
            return "";
        }
        return ". systemd passed no 'tokens' credential (" + creds + " has none), so kmodd fell back to"
                + " /etc/kmodd/tokens, which its dynamic user may not read. Check that /etc/kmodd/tokens exists (the"
                + " package makes it; sudo dpkg-reconfigure kmodd makes it again) and that kmodd.service keeps"
                + " LoadCredential=tokens:/etc/kmodd/tokens; inside a container runtime (a /.dockerenv file), systemd may"
                + " pass no credentials at all";
    }

    /** Whether the file is the one systemd passed in the unit's credentials directory. */
    static boolean isCredential(Path file, String credentialsDirectory) {
        return credentialsDirectory != null && file.toAbsolutePath().normalize()
                .equals(Path.of(credentialsDirectory, "tokens").toAbsolutePath().normalize());
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
