package io.kmodd.kernel.linux;

import io.kmodd.kernel.InvalidModuleNameException;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.RefcountProbe;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.OptionalInt;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Reads one module's directory under /sys/module: initstate, refcnt, holders/, coresize, taint and
 * parameters/. A module that is built in has a directory but no initstate. Every read tolerates the
 * module going away in the middle (files vanish); stateless and thread-safe.
 */
final class SysModule {
    private final KernelPaths paths;

    SysModule(KernelPaths paths) {
        this.paths = paths;
    }

    Optional<ModuleUsage> usage(ModuleName name) {
        Path dir = paths.sysModule(name.value());
        Optional<ModuleState> state = KernelFiles.value(dir.resolve("initstate")).flatMap(ModuleState::parse);
        if (state.isEmpty()) {
            return Optional.empty();
        }
        int refcnt = KernelFiles.value(dir.resolve("refcnt")).map(SysModule::parseIntOrZero).orElse(0);
        return Optional.of(new ModuleUsage(state.get(), refcnt, holders(dir)));
    }

    Optional<LoadedModule> read(ModuleName name) {
        Path dir = paths.sysModule(name.value());
        return usage(name).map(u -> new LoadedModule(name, u.state(), u.refcnt(),
                KernelFiles.value(dir.resolve("coresize")).map(SysModule::parseLongOrZero).orElse(0L),
                u.holders(), KernelFiles.value(dir.resolve("taint")).orElse(""), parameters(dir), false));
    }

    /**
     * This boot's id and the inode of the module's sysfs directory: kernfs numbers each new node afresh
     * within a boot, so a module removed and loaded again has another one, and numbering restarts with
     * each boot, which the boot id tells apart. Empty when the module is not loaded (or built in).
     */
    Optional<String> instance(ModuleName name) {
        Path dir = paths.sysModule(name.value());
        if (!Files.exists(dir.resolve("initstate"))) {
            return Optional.empty();
        }
        try {
            long ino = ((Number) Files.getAttribute(dir, "unix:ino")).longValue();
            return Optional.of(bootId.get() + "/" + ino);
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** /proc/sys/kernel/random/boot_id, read once: it is fixed for the life of the kernel. */
    private final java.util.function.Supplier<String> bootId = new java.util.function.Supplier<>() {
        private volatile String id;

        @Override
        public String get() {
            if (id == null) {
                id = KernelFiles.value(paths.bootId()).orElse("unknown-boot");
            }
            return id;
        }
    };

    RefcountProbe refcountProbe(ModuleName name) {
        return new SysfsRefcount(paths.sysModule(name.value()).resolve("refcnt"));
    }

    /** Keeps /sys/module/NAME/refcnt open; kernfs regenerates an attribute on each read from offset 0. */
    private static final class SysfsRefcount implements RefcountProbe {
        private final Path file;
        private final ByteBuffer buf = ByteBuffer.allocate(32);
        private FileChannel channel;
        private boolean closed;

        SysfsRefcount(Path file) {
            this.file = file;
        }

        @Override
        public synchronized OptionalInt read() {
            if (closed) {
                return OptionalInt.empty();
            }
            try {
                if (channel == null) {
                    channel = FileChannel.open(file, StandardOpenOption.READ);
                }
                buf.clear();
                int n = channel.read(buf, 0);
                if (n <= 0) {
                    return OptionalInt.empty();
                }
                return OptionalInt.of(Integer.parseInt(new String(buf.array(), 0, n, StandardCharsets.US_ASCII).strip()));
            } catch (IOException | NumberFormatException e) {
                // The module went away (its sysfs directory is gone) or the file is unreadable.
                release();
                return OptionalInt.empty();
            }
        }

        @Override
        public synchronized void close() {
            closed = true;
            release();
        }

        private void release() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // Nothing to recover: the probe is done.
                }
                channel = null;
            }
        }
    }

    private static List<ModuleName> holders(Path dir) {
        List<ModuleName> holders = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("holders"))) {
            s.forEach(p -> {
                try {
                    holders.add(ModuleName.of(p.getFileName().toString()));
                } catch (InvalidModuleNameException e) {
                    // Not a module's link; sysfs puts nothing else here.
                }
            });
        } catch (IOException e) {
            return List.of();
        }
        holders.sort(null);
        return holders;
    }

    private static Map<String, String> parameters(Path dir) {
        Map<String, String> params = new TreeMap<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir.resolve("parameters"))) {
            // Write-only parameters (mode 0200) fail to read and are left out, not guessed.
            s.forEach(p -> KernelFiles.value(p).ifPresent(v -> params.put(p.getFileName().toString(), v)));
        } catch (IOException e) {
            return Map.of();
        }
        return params;
    }

    private static int parseIntOrZero(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static long parseLongOrZero(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0L;
        }
    }
}
