package io.kmodd.kernel.linux;

import io.airlift.compress.zstd.ZstdInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * How a module file is compressed, told by its name as kmod names it ({@code .ko}, {@code .ko.xz},
 * {@code .ko.zst}, {@code .ko.gz}), with the name the kernel gives the format in
 * {@code /sys/module/compression} and a decompressor for when the kernel cannot do it itself.
 */
enum ModuleCompression {
    NONE(".ko", ""),
    XZ(".ko.xz", "xz"),
    ZSTD(".ko.zst", "zstd"),
    GZIP(".ko.gz", "gzip");

    private final String suffix;
    private final String kernelName;

    ModuleCompression(String suffix, String kernelName) {
        this.suffix = suffix;
        this.kernelName = kernelName;
    }

    /** The format of {@code file}; empty for a name kmodd does not know as a module. */
    static Optional<ModuleCompression> of(Path file) {
        String name = file.getFileName().toString();
        for (ModuleCompression c : values()) {
            if (name.endsWith(c.suffix)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The format as /sys/module/compression names it. */
    String kernelName() {
        return kernelName;
    }

    /** The uncompressed module image, read from {@code in}. */
    InputStream decompress(InputStream in) throws IOException {
        return switch (this) {
            case NONE -> in;
            case XZ -> new XZInputStream(in);
            case ZSTD -> new ZstdInputStream(in);
            case GZIP -> new GZIPInputStream(in, 65536);
        };
    }
}
