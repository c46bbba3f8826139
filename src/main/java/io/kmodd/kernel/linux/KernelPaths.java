package io.kmodd.kernel.linux;

import java.nio.file.Path;

/**
 * Every kernel path kmodd reads, under configurable /proc and /sys roots so that tests point them at
 * fixture trees. Immutable.
 */
public record KernelPaths(Path procRoot, Path sysRoot) {

    public static KernelPaths system() {
        return new KernelPaths(Path.of("/proc"), Path.of("/sys"));
    }

    public Path procModules() {
        return procRoot.resolve("modules");
    }

    public Path tainted() {
        return procRoot.resolve("sys/kernel/tainted");
    }

    /** A random id the kernel draws at each boot. */
    public Path bootId() {
        return procRoot.resolve("sys/kernel/random/boot_id");
    }

    public Path modulesDisabled() {
        return procRoot.resolve("sys/kernel/modules_disabled");
    }

    public Path selfStatus() {
        return procRoot.resolve("self/status");
    }

    public Path lockdown() {
        return sysRoot.resolve("kernel/security/lockdown");
    }

    public Path sigEnforce() {
        return sysRoot.resolve("module/module/parameters/sig_enforce");
    }

    /** The compression format the kernel decompresses itself (CONFIG_MODULE_DECOMPRESS); absent without. */
    public Path moduleCompression() {
        return sysRoot.resolve("module/compression");
    }

    public Path sysModule(String name) {
        return sysRoot.resolve("module").resolve(name);
    }
}
