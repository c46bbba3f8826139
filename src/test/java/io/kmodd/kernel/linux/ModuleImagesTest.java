package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.airlift.compress.zstd.ZstdOutputStream;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** Compressed modules: which way each reaches the kernel, and user-space decompression of all three formats. */
class ModuleImagesTest {
    @TempDir
    Path dir;

    /** A module-like image: an ELF magic, then 3 MiB of half-compressible bytes. */
    private static byte[] image() {
        byte[] b = new byte[3 << 20];
        Random r = new Random(42);
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i % 7 == 0 ? r.nextInt() : i % 251);
        }
        b[0] = 0x7f;
        b[1] = 'E';
        b[2] = 'L';
        b[3] = 'F';
        return b;
    }

    private Path write(String name, byte[] data, ModuleCompression format) throws IOException {
        Path f = dir.resolve(name);
        try (OutputStream raw = Files.newOutputStream(f);
                OutputStream out = switch (format) {
                    case NONE -> raw;
                    case XZ -> new XZOutputStream(raw, new LZMA2Options(1));
                    case ZSTD -> new ZstdOutputStream(raw);
                    case GZIP -> new GZIPOutputStream(raw);
                }) {
            out.write(data);
        }
        return f;
    }

    private ModuleImages kernelThatDecompresses(String format) throws IOException {
        Path sys = dir.resolve("sys");
        Files.createDirectories(sys.resolve("module"));
        if (format != null) {
            Files.writeString(sys.resolve("module/compression"), format + "\n");
        }
        return new ModuleImages(new KernelPaths(dir.resolve("proc"), sys));
    }

    @Test
    void formatsAreToldByTheirNamesAsKmodNamesThem() {
        assertThat(ModuleCompression.of(Path.of("/lib/modules/k/loop.ko"))).contains(ModuleCompression.NONE);
        assertThat(ModuleCompression.of(Path.of("loop.ko.xz"))).contains(ModuleCompression.XZ);
        assertThat(ModuleCompression.of(Path.of("loop.ko.zst"))).contains(ModuleCompression.ZSTD);
        assertThat(ModuleCompression.of(Path.of("loop.ko.gz"))).contains(ModuleCompression.GZIP);
        assertThat(ModuleCompression.of(Path.of("loop.ko.bz2"))).isEmpty();
        assertThat(ModuleCompression.of(Path.of("loop.o"))).isEmpty();
    }

    @Test
    void theKernelGetsTheFileWhenItDecompressesTheFormatItself() throws Exception {
        ModuleImages xzKernel = kernelThatDecompresses("xz");
        assertThat(xzKernel.plan(Path.of("a.ko"))).isEqualTo(new ModuleImages.FromFile(Path.of("a.ko"), false));
        assertThat(xzKernel.plan(Path.of("a.ko.xz"))).isEqualTo(new ModuleImages.FromFile(Path.of("a.ko.xz"), true));
        assertThat(xzKernel.plan(Path.of("a.ko.zst")))
                .isEqualTo(new ModuleImages.Decompress(Path.of("a.ko.zst"), ModuleCompression.ZSTD));
    }

    @Test
    void aKernelWithoutDecompressionGetsAnImageDecompressedHere() throws Exception {
        // RHEL 9's 5.14: .ko.xz and no /sys/module/compression.
        ModuleImages old = kernelThatDecompresses(null);
        for (String f : new String[] {"a.ko.xz", "a.ko.zst", "a.ko.gz"}) {
            assertThat(old.plan(Path.of(f))).isInstanceOf(ModuleImages.Decompress.class);
        }
        assertThat(old.plan(Path.of("a.ko"))).isEqualTo(new ModuleImages.FromFile(Path.of("a.ko"), false));
    }

    @Test
    void anUnknownFormatIsRefusedBeforeAnyKernelCall() throws Exception {
        assertThatThrownBy(() -> kernelThatDecompresses("xz").plan(Path.of("/x/loop.ko.bz2")))
                .isInstanceOf(KernelException.class).hasMessageContaining("loop.ko.bz2")
                .hasMessageContaining(".ko, .ko.xz, .ko.zst or .ko.gz")
                .extracting(e -> ((KernelException) e).errno()).isEqualTo(Errno.ENOEXEC);
    }

    @Test
    void allThreeFormatsDecompressToTheImageInNativeMemory() throws Exception {
        byte[] image = image();
        for (ModuleCompression format : new ModuleCompression[] {ModuleCompression.XZ, ModuleCompression.ZSTD,
                ModuleCompression.GZIP}) {
            Path f = write("m.ko." + format.name().toLowerCase(), image, format);
            assertThat(Files.size(f)).isLessThan(image.length);
            try (ModuleImages.Image got = ModuleImages.decompress(f, format)) {
                assertThat(got.length()).as("%s", format).isEqualTo(image.length);
                assertThat(got.memory().getByteArray(0, image.length)).as("%s", format).isEqualTo(image);
            }
        }
    }

    @Test
    void aCorruptFileOfAnyFormatIsABadModuleNotACrash() throws Exception {
        byte[] junk = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        for (ModuleCompression format : new ModuleCompression[] {ModuleCompression.XZ, ModuleCompression.ZSTD,
                ModuleCompression.GZIP}) {
            Path f = dir.resolve("bad.ko." + format.name().toLowerCase());
            Files.write(f, junk);
            assertThatThrownBy(() -> ModuleImages.decompress(f, format)).as("%s", format)
                    .isInstanceOf(KernelException.class).hasMessageContaining("cannot decompress")
                    .extracting(e -> ((KernelException) e).errno()).isEqualTo(Errno.ENOEXEC);
        }
    }
}
