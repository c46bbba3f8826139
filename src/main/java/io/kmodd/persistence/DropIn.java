package io.kmodd.persistence;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * One drop-in file, read fresh and written atomically: a temporary file beside the target, fsync,
 * rename over it, fsync of the directory. A crash at any point leaves the old file or the new one, never
 * half of one. A symlinked drop-in (/etc/modprobe.d/kmodd.conf pointing into kmodd's state directory)
 * is written through to its target, so the link stays.
 */
final class DropIn {
    private final Path path;

    DropIn(Path path) {
        this.path = path;
    }

    Path path() {
        return path;
    }

    /** The file's lines; empty when it does not exist yet. */
    List<String> read() throws IOException {
        try {
            return Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        }
    }

    void write(List<String> lines) throws IOException {
        Path target = path;
        if (Files.isSymbolicLink(path)) {
            Path link = Files.readSymbolicLink(path);
            target = link.isAbsolute() ? link : path.getParent().resolve(link);
        }
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
        try {
            Files.write(tmp, lines, StandardCharsets.UTF_8);
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
        }
    }
}
