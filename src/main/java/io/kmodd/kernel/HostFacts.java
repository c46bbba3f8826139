package io.kmodd.kernel;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What on the host can hold a module or be destroyed with it, read in one bounded scan: mounts, device
 * files open in processes, block devices (loop backing files, what is built on them), network interfaces,
 * the majors drivers registered, and what the scan could not see, with the reason. Facts only; which
 * module they belong to is worked out above the port.
 *
 * @param blockMajors /proc/devices: block majors and the name each was registered under
 * @param charMajors /proc/devices: character majors likewise
 * @param notVisible what could not be seen, each with its reason (a person can act on it)
 */
public record HostFacts(List<Mount> mounts, List<OpenDevice> openDevices, List<BlockDevice> blockDevices,
        List<NetInterface> interfaces, Map<Integer, String> blockMajors, Map<Integer, String> charMajors,
        List<String> notVisible) {

    public HostFacts {
        mounts = List.copyOf(mounts);
        openDevices = List.copyOf(openDevices);
        blockDevices = List.copyOf(blockDevices);
        interfaces = List.copyOf(interfaces);
        blockMajors = Map.copyOf(blockMajors);
        charMajors = Map.copyOf(charMajors);
        notVisible = List.copyOf(notVisible);
    }

    public static HostFacts none() {
        return new HostFacts(List.of(), List.of(), List.of(), List.of(), Map.of(), Map.of(), List.of());
    }

    /** A mount from mountinfo: its superblock's device (MAJ:MIN, block or anonymous), type, source and mount point. */
    public record Mount(String device, String fstype, String source, String mountPoint) {
    }

    /**
     * A device file open in a process.
     *
     * @param driverModule the module of the device's driver, from /sys/dev/KIND/MAJ:MIN/device/driver/module
     * @param unit the systemd unit the process runs in, from /proc/PID/cgroup, when it runs in one
     */
    public record OpenDevice(int pid, String command, Optional<String> unit, String path, DeviceNumber device,
            Optional<String> driverModule) {
    }

    /**
     * A block device from /sys/block.
     *
     * @param driverModule the module of its driver, from /sys/block/NAME/device/driver/module
     * @param backingFile for a loop device, the file it is attached to
     * @param holders what is built on it (device-mapper, md), from /sys/block/NAME/holders
     */
    public record BlockDevice(String name, DeviceNumber device, Optional<String> driverModule,
            Optional<String> backingFile, List<String> holders) {
        public BlockDevice {
            holders = List.copyOf(holders);
        }
    }

    /**
     * A network interface.
     *
     * @param driver its driver's name (ethtool's; for virtual links, their kind: dummy, veth, bridge)
     * @param driverModule the module of its device's driver, from /sys/class/net/NAME/device/driver/module
     */
    public record NetInterface(String name, boolean up, Optional<String> driver, Optional<String> driverModule) {
    }
}
