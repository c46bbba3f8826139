package io.kmodd.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The bearer tokens and their roles, read once at start-up. The file has one token per line,
 * {@code NAME ROLE TOKEN} ({@code #} starts a comment); it must not be readable or writable by group or
 * others, or kmodd refuses to start. Only SHA-256 digests are kept, and a presented token is compared
 * against every digest with {@link MessageDigest#isEqual} without stopping at a match, so the time taken
 * says nothing about the tokens. Tokens are never logged. Immutable and thread-safe.
 */
public final class TokenStore {
    static final int MIN_TOKEN_LENGTH = 24;
    private static final Set<PosixFilePermission> TOO_OPEN = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    /** Who a token belongs to. */
    public record Principal(String name, Role role) {
    }

    private record Entry(Principal principal, byte[] digest) {
    }

    private final List<Entry> entries;

    private TokenStore(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * Loads a token file that its owner alone may read (mode 600 or stricter).
     *
     * @throws IllegalStateException saying what is wrong with the file (never quoting a token)
     */
    public static TokenStore load(Path file) {
        return load(file, true);
    }

    /**
     * Loads the tokens systemd passed as a credential (LoadCredential=). Their mode bits are not this
     * file's access: systemd 256+ makes a credential root's, 0440, and grants the service's (dynamic) user
     * read access with an ACL, whose mask the group bits then show; the credentials directory is the unit's
     * alone. So the mode is not checked here.
     *
     * @throws IllegalStateException saying what is wrong with the file (never quoting a token)
     */
    public static TokenStore loadCredential(Path file) {
        return load(file, false);
    }

    private static TokenStore load(Path file, boolean checkMode) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> open = EnumSet.copyOf(TOO_OPEN);
            open.retainAll(perms);
            if (checkMode && !open.isEmpty()) {
                throw new IllegalStateException("token file " + file + " is accessible to group or others (" + open
                        + "); run: chmod 600 " + file);
            }
            return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new IllegalStateException("token file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    static TokenStore parse(List<String> lines, String source) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            String where = source + " line " + (i + 1);
            if (f.length != 3) {
                throw new IllegalStateException(where + ": expected NAME ROLE TOKEN");
            }
            Role role = Role.parse(f[1]).orElseThrow(() -> new IllegalStateException(
                    where + ": role must be viewer, operator or admin"));
            if (f[2].length() < MIN_TOKEN_LENGTH) {
                throw new IllegalStateException(where + ": the token is shorter than " + MIN_TOKEN_LENGTH
                        + " characters; make one with: head -c 32 /dev/urandom | base64");
            }
            if (!names.add(f[0])) {
                throw new IllegalStateException(where + ": the name " + f[0] + " is used twice");
            }
            entries.add(new Entry(new Principal(f[0], role), digest(f[2])));
        }
        return new TokenStore(entries);
    }

    public static TokenStore empty() {
        return new TokenStore(List.of());
    }

    public int size() {
        return entries.size();
    }

    public Optional<Principal> authenticate(String token) {
        byte[] d = digest(token);
        Principal found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(d, e.digest()) && found == null) {
                found = e.principal();
            }
        }
        return Optional.ofNullable(found);
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
