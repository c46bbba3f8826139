package io.kmodd.kernel.linux;

import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ScanBound;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads what can hold a module, one reader per source: {@link MountInfo} (/proc/self/mountinfo), {@link
 * DeviceMajors} (/proc/devices), {@link BlockDevices} (/sys/block), {@link NetInterfaces} (/sys/class/net) and
 * {@link OpenDeviceFiles} (every process's /proc/PID/fd, the costly part, bounded by its {@link ScanBound}).
 * Paths come from {@link KernelPaths}, so tests run it over fixture trees. Stateless; thread-safe.
 */
final class HostScan {
    private final KernelPaths paths;
    private final Function<String, Optional<String>> ethtoolDriver;

    HostScan(KernelPaths paths, Function<String, Optional<String>> ethtoolDriver) {
        this.paths = paths;
        this.ethtoolDriver = ethtoolDriver;
    }

    HostFacts scan(ScanBound bound) {
        List<String> notVisible = new ArrayList<>();
        DeviceMajors majors = DeviceMajors.read(paths.procDevices());
        List<HostFacts.Mount> mounts = MountInfo.read(paths.selfMountInfo(), notVisible);
        List<HostFacts.OpenDevice> open = OpenDeviceFiles.read(paths, bound, notVisible);
        return new HostFacts(mounts, open, BlockDevices.read(paths.sysBlock()),
                NetInterfaces.read(paths.sysClassNet(), ethtoolDriver), majors.blocks(), majors.chars(), notVisible);
    }
}
