package io.kmodd.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where kmoddctl's bearer token comes from: {@code $KMODD_TOKEN}, else kmodd's tokens file when it may
 * read it ({@code NAME ROLE TOKEN} per line), taking the token of the least role that the command needs:
 * viewer for reads, operator for changes, admin only when nothing less is there or the command needs it.
 */
final class TokenSource {
    private static final List<String> ROLES = List.of("viewer", "operator", "admin");

    private TokenSource() {
    }

    static Optional<String> token(Map<String, String> env, Path tokensFile, String leastRole) {
        String fromEnv = env.get("KMODD_TOKEN");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Optional.of(fromEnv.strip());
        }
        if (!Files.isReadable(tokensFile)) {
            return Optional.empty();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(tokensFile);
        } catch (IOException e) {
            return Optional.empty();
        }
        for (String role : ROLES.subList(ROLES.indexOf(leastRole), ROLES.size())) {
            for (String line : lines) {
                String[] f = line.strip().split("\\s+");
                if (f.length >= 3 && !f[0].startsWith("#") && f[1].equals(role)) {
                    return Optional.of(f[2]);
                }
            }
        }
        return Optional.empty();
    }
}
