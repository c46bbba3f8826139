package io.kmodd.kernel.linux;

import io.kmodd.kernel.DeviceNumber;
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

    /** The majors drivers registered, character devices first. */
    public Path procDevices() {
        return procRoot.resolve("devices");
    }

    /** kmodd's own mount namespace's mounts. */
    public Path selfMountInfo() {
        return procRoot.resolve("self/mountinfo");
    }

    /** The driver's module behind a device number (/sys/dev/block/7:0/device/driver/module). */
    public Path deviceModuleLink(DeviceNumber device) {
        return sysRoot.resolve("dev").resolve(device.kind().sysDir()).resolve(device.toString())
                .resolve("device/driver/module");
    }

    public Path sysBlock() {
        return sysRoot.resolve("block");
    }

    public Path sysClassNet() {
        return sysRoot.resolve("class/net");
    }
}
