package io.kmodd.security;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/** Authentication on, with a token file of one token per role, made before Quarkus starts. */
public class AuthProfile implements QuarkusTestProfile {
    public static final String VIEWER = "viewer-token-0123456789abcdefghij";
    public static final String OPERATOR = "operator-token-0123456789abcdefgh";
    public static final String ADMIN = "admin-token-0123456789abcdefghijk";

    @Override
    public Map<String, String> getConfigOverrides() {
        try {
            Path file = Path.of("target/test-tokens");
            Files.writeString(file, "# test tokens\nalice viewer " + VIEWER + "\nbob operator " + OPERATOR
                    + "\ncarol admin " + ADMIN + "\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            return Map.of("kmodd.auth.enabled", "true", "kmodd.auth.tokens-file", file.toString(),
                    "kmodd.policy.deny", "evil*,no-such-*", "kmodd.auth.failed-auth-interval", "0s");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
