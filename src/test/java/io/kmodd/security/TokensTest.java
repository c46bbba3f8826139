package io.kmodd.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where tokens come from, and what a user is told when the unit's credential did not arrive. */
class TokensTest {
    @Test
    void aMissingCredentialIsNamedWithWhatToDo(@TempDir Path creds) {
        String hint = Tokens.credentialHint(Optional.empty(), creds.toString());
        assertThat(hint).contains("systemd passed no 'tokens' credential").contains(creds.toString())
                .contains("LoadCredential=tokens:/etc/kmodd/tokens").contains("dpkg-reconfigure kmodd")
                .contains(".dockerenv");
    }

    @Test
    void noHintWhenTheCredentialArrivedOrNoneWasPromisedOrAFileIsConfigured(@TempDir Path creds) throws Exception {
        assertThat(Tokens.credentialHint(Optional.empty(), null)).isEmpty();
        assertThat(Tokens.credentialHint(Optional.of("/srv/tokens"), creds.toString())).isEmpty();
        Files.writeString(creds.resolve("tokens"), "a admin xxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
        assertThat(Tokens.credentialHint(Optional.empty(), creds.toString())).isEmpty();
    }
}
