package io.kmodd.kernel.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Reads of /proc and /sys files with their defaults, written once: a file that is missing, unreadable or
 * gone meanwhile (a module or a process ends between a listing and a read) is an empty answer, never an
 * exception. Stateless.
 */
final class KernelFiles {
    private KernelFiles() {
    }

    /**
     * A decimal number as the kernel writes one (a pid, a device major or minor): digits only, no sign, no
     * blank; empty for anything else, and for a number too large for an int.
     */
    static OptionalInt decimal(String text) {
        if (text.isEmpty() || text.length() > 10 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        long n = Long.parseLong(text);
        return n > Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of((int) n);
    }

    /** A one-value attribute (refcnt, initstate, a parameter), stripped; empty if unreadable or not UTF-8. */
    static Optional<String> value(Path file) {
        try {
            return Optional.of(Files.readString(file).strip());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The file's lines; bytes that are not UTF-8 (a mount point may have any) become U+FFFD, never an error. */
    static List<String> lines(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** The first line, stripped, read as {@link #lines} reads. */
    static Optional<String> firstLine(Path file) {
        List<String> l = lines(file);
        return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0).strip());
    }

    /** A directory's entries, sorted; empty if it is missing or unreadable. */
    static List<Path> list(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> d = Files.newDirectoryStream(dir)) {
            d.forEach(out::add);
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }

    /** A symbolic link's text (never follows it, so it cannot block on what it points to). */
    static Optional<String> link(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).toString());
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.empty();
        }
    }

    /** The module a sysfs driver link points to (…/module/NAME), if the link exists. */
    static Optional<String> moduleLink(Path link) {
        return link(link).map(t -> Path.of(t).getFileName().toString());
    }
}
