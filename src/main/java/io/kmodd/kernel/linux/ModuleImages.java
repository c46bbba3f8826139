package io.kmodd.kernel.linux;

import com.sun.jna.Memory;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Decides how a module file reaches the kernel, as kmod 31+ does: an uncompressed file, or one the kernel
 * decompresses itself (its format in {@code /sys/module/compression}, Linux 6.4+), goes to
 * finit_module as an open file; any other xz, zstd or gzip file is decompressed here into native memory
 * and loaded with init_module (RHEL 9's 5.14 ships {@code .ko.xz} and cannot decompress). A name kmodd
 * does not know as a module is refused before any kernel call. Stateless; thread-safe.
 */
final class ModuleImages {
    /** The largest uncompressed module kmodd loads from user space (the biggest in-tree ones are ~60 MiB). */
    static final long MAX_IMAGE = 256L << 20;

    private final KernelPaths paths;

    ModuleImages(KernelPaths paths) {
        this.paths = paths;
    }

    /** How one module file is loaded. */
    sealed interface Plan {
    }

    /** finit_module on the file; {@code compressed}: with MODULE_INIT_COMPRESSED_FILE. */
    record FromFile(Path file, boolean compressed) implements Plan {
    }

    /** init_module on the image decompressed in user space. */
    record Decompress(Path file, ModuleCompression format) implements Plan {
    }

    Plan plan(Path file) throws KernelException {
        ModuleCompression format = ModuleCompression.of(file).orElseThrow(() -> new KernelException(
                KernelCall.FINIT_MODULE, Errno.ENOEXEC, file + " is not a module file kmodd can load: a module is"
                        + " .ko, .ko.xz, .ko.zst or .ko.gz"));
        if (format == ModuleCompression.NONE) {
            return new FromFile(file, false);
        }
        return kernelDecompresses().filter(format.kernelName()::equals).isPresent() ? new FromFile(file, true)
                : new Decompress(file, format);
    }

    /** The format the running kernel decompresses itself, if any. */
    Optional<String> kernelDecompresses() {
        return KernelFiles.value(paths.moduleCompression());
    }

    /** A module image in native memory: the first {@code length} bytes of {@code memory}. Close it after. */
    record Image(Memory memory, long length) implements AutoCloseable {
        @Override
        public void close() {
            memory.close();
        }
    }

    /**
     * The module image decompressed into native memory, ready for init_module: never on the Java heap, which
     * is smaller than some modules.
     */
    static Image decompress(Path file, ModuleCompression format) throws KernelException {
        Memory image = null;
        try (InputStream raw = Files.newInputStream(file); InputStream in = format.decompress(raw)) {
            long size = Math.min(MAX_IMAGE, Math.max(1 << 20, Files.size(file) * 4));
            image = new Memory(size);
            long length = 0;
            byte[] chunk = new byte[1 << 16];
            for (int n = in.read(chunk); n > 0; n = in.read(chunk)) {
                while (length + n > size) {
                    if (size >= MAX_IMAGE) {
                        throw new KernelException(KernelCall.INIT_MODULE, Errno.EFBIG, file + " decompresses to more"
                                + " than " + (MAX_IMAGE >> 20) + " MiB, more than any module; refusing to load it");
                    }
                    Memory bigger = new Memory(Math.min(MAX_IMAGE, size * 2));
                    bigger.getByteBuffer(0, length).put(image.getByteBuffer(0, length));
                    image.close();
                    image = bigger;
                    size = bigger.size();
                }
                image.write(length, chunk, 0, n);
                length += n;
            }
            Image done = new Image(image, length);
            image = null;
            return done;
        } catch (IOException | RuntimeException e) {
            // Corrupt input: the decompressors say so with IOExceptions (xz, gzip) or runtime ones (zstd).
            throw new KernelException(KernelCall.INIT_MODULE, Errno.ENOEXEC, "cannot decompress " + file + " ("
                    + format.kernelName() + "): " + e.getMessage());
        } finally {
            if (image != null) {
                image.close();
            }
        }
    }
}
