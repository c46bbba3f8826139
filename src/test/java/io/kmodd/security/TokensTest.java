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

    @Test
    void systemdsCredentialIsReadThoughItsModeShowsAnAclMask(@TempDir Path creds, @TempDir Path etc) throws Exception {
        // systemd 257 (Debian 13): /run/credentials/kmodd.service/tokens is root's, -r--r-----+ (an ACL for the
        // service's dynamic user; the group bits are the ACL's mask).
        Path credential = Files.writeString(creds.resolve("tokens"), "a admin " + "b".repeat(32) + "\n");
        Files.setPosixFilePermissions(credential, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        assertThat(Tokens.isCredential(credential, creds.toString())).isTrue();
        assertThat(TokenStore.loadCredential(credential).authenticate("b".repeat(32))).isPresent();
        // The same mode elsewhere is still refused.
        Path plain = Files.writeString(etc.resolve("tokens"), "a admin " + "b".repeat(32) + "\n");
        Files.setPosixFilePermissions(plain, java.nio.file.attribute.PosixFilePermissions.fromString("r--r-----"));
        assertThat(Tokens.isCredential(plain, creds.toString())).isFalse();
        assertThat(Tokens.isCredential(plain, null)).isFalse();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenStore.load(plain)).hasMessageContaining("chmod 600");
    }
}
