package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ScanBound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host scan over fixture /proc and /sys trees: every source, and what it says when it cannot see. */
class HostScanTest {
    @TempDir
    Path root;

    private Path proc;
    private Path sys;

    private void write(Path p, String text) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private void link(Path p, String target) throws Exception {
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
    }

    private HostScan fixture(String uidLine, String capEff) throws Exception {
        proc = root.resolve("proc");
        sys = root.resolve("sys");
        write(proc.resolve("devices"), "Character devices:\n  1 mem\n 10 misc\n\nBlock devices:\n  7 loop\n259 blkext\n");
        write(proc.resolve("self/mountinfo"), String.join("\n",
                "22 1 0:21 / / rw,relatime - overlay overlay rw",
                "30 22 7:0 / /mnt/data rw,relatime shared:1 - ext4 /dev/loop0 rw",
                "31 22 7:0 / /mnt/data\\040two rw - ext4 /dev/loop0 rw",
                "32 22 254:16 / /srv rw - xfs /dev/vdb rw") + "\n");
        write(proc.resolve("self/status"), "Name:\tjava\n" + uidLine + "\nCapEff:\t" + capEff + "\n");
        // Device numbers come from the open inode itself, so the fixture's descriptors point at real nodes of
        // the build machine: a block device (/dev/loop0, 7:0) in a systemd service, /dev/null beside it (a core
        // device no module owns: skipped), and a character device (/dev/fuse, 10:229) in no unit.
        assertThat(Path.of("/dev/loop0")).as("this test needs the host's /dev/loop0 node").exists();
        assertThat(Path.of("/dev/fuse")).as("this test needs the host's /dev/fuse node").exists();
        link(proc.resolve("812/fd/3"), "/dev/loop0");
        link(proc.resolve("812/fd/4"), "/dev/null");
        link(proc.resolve("813/fd/5"), "/dev/fuse");
        write(proc.resolve("813/comm"), "sshfs\n");
        write(proc.resolve("812/cgroup"), "0::/system.slice/backup.service\n");
        write(proc.resolve("812/comm"), "qemu-img\n");
        // A process holding only a regular file: no device, nothing to report.
        write(proc.resolve("900/comm"), "editor\n");
        link(proc.resolve("900/fd/4"), root.resolve("proc/devices").toString());
        write(sys.resolve("block/loop0/dev"), "7:0\n");
        write(sys.resolve("block/loop0/loop/backing_file"), "/var/lib/images/disk.img\n");
        write(sys.resolve("block/loop0/holders/dm-0"), "");
        write(sys.resolve("block/loop0/loop0p1/dev"), "259:0\n");
        write(sys.resolve("block/loop0/loop0p1/partition"), "1\n");
        write(sys.resolve("block/loop1/dev"), "7:1\n");
        Files.createDirectories(sys.resolve("block/loop1/holders"));
        write(sys.resolve("class/net/eth0/flags"), "0x1003\n");
        link(sys.resolve("class/net/eth0/device/driver/module"), "../../../../module/virtio_net");
        write(sys.resolve("class/net/dummy0/flags"), "0x82\n");
        return new HostScan(new KernelPaths(proc, sys), n -> n.equals("dummy0") ? Optional.of("dummy") : Optional.empty());
    }

    @Test
    void readsEverySource() throws Exception {
        HostFacts f = fixture("Uid:\t0\t0\t0\t0", "000001ffffffffff").scan(ScanBound.HOST);
        assertThat(f.charMajors()).isEqualTo(Map.of(1, "mem", 10, "misc"));
        assertThat(f.blockMajors()).isEqualTo(Map.of(7, "loop", 259, "blkext"));
        assertThat(f.mounts()).containsExactly(
                new HostFacts.Mount("0:21", "overlay", "overlay", "/"),
                new HostFacts.Mount("7:0", "ext4", "/dev/loop0", "/mnt/data"),
                new HostFacts.Mount("7:0", "ext4", "/dev/loop0", "/mnt/data two"),
                new HostFacts.Mount("254:16", "xfs", "/dev/vdb", "/srv"));
        assertThat(f.openDevices()).containsExactly(
                new HostFacts.OpenDevice(812, "qemu-img", Optional.of("backup.service"), "/dev/loop0",
                        new DeviceNumber(DeviceNumber.Kind.BLOCK, 7, 0), Optional.empty()),
                new HostFacts.OpenDevice(813, "sshfs", Optional.empty(), "/dev/fuse",
                        new DeviceNumber(DeviceNumber.Kind.CHAR, 10, 229), Optional.empty()));
        assertThat(f.blockDevices()).containsExactly(
                new HostFacts.BlockDevice("loop0", new DeviceNumber(DeviceNumber.Kind.BLOCK, 7, 0), Optional.empty(),
                        Optional.of("/var/lib/images/disk.img"), List.of("dm-0")),
                new HostFacts.BlockDevice("loop0p1", new DeviceNumber(DeviceNumber.Kind.BLOCK, 259, 0), Optional.empty(),
                        Optional.empty(), List.of()),
                new HostFacts.BlockDevice("loop1", new DeviceNumber(DeviceNumber.Kind.BLOCK, 7, 1), Optional.empty(),
                        Optional.empty(), List.of()));
        assertThat(f.interfaces()).containsExactly(
                new HostFacts.NetInterface("dummy0", false, Optional.of("dummy"), Optional.empty()),
                new HostFacts.NetInterface("eth0", true, Optional.empty(), Optional.of("virtio_net")));
        assertThat(f.notVisible()).isEmpty();
    }

    @Test
    void withoutRootOrPtraceOtherUsersProcessesAreNamedAsNotVisible() throws Exception {
        HostFacts f = fixture("Uid:\t63553\t63553\t63553\t63553", "0000000000010000").scan(ScanBound.HOST);
        assertThat(f.notVisible()).singleElement().asString().startsWith("processes: other users' open files are not visible")
                .contains("CAP_SYS_PTRACE");
        // What it can read, it still reports.
        assertThat(f.mounts()).hasSize(4);
    }

    @Test
    void theDescriptorBoundStopsTheProcessWalkAndSaysSo() throws Exception {
        HostFacts f = fixture("Uid:\t0\t0\t0\t0", "000001ffffffffff").scan(new ScanBound(0, Duration.ofMinutes(1)));
        assertThat(f.openDevices()).isEmpty();
        assertThat(f.notVisible()).singleElement().asString().startsWith("processes: the scan stopped after ")
                .endsWith(" of 3 processes, at its bound of 0 descriptors");
    }

    @Test
    void aSpentTimeLimitStopsTheProcessWalkAndSaysSo() throws Exception {
        HostFacts f = fixture("Uid:\t0\t0\t0\t0", "000001ffffffffff").scan(new ScanBound(1_000_000, Duration.ZERO));
        assertThat(f.openDevices()).isEmpty();
        assertThat(f.notVisible()).singleElement().asString()
                .isEqualTo("processes: the scan stopped after 0 of 3 processes, at its time limit of 0 ms (/proc answered too slowly)");
    }

    @Test
    void coreDevicesEveryProcessHoldsAreNotCandidates() {
        assertThat(OpenDeviceFiles.mayBeModuleDevice("/dev/loop0")).isTrue();
        assertThat(OpenDeviceFiles.mayBeModuleDevice("/dev/kvm")).isTrue();
        for (String p : List.of("/dev/null", "/dev/pts/3", "/dev/tty1", "/dev/urandom", "/home/x/dev/loop0", "socket:[123]")) {
            assertThat(OpenDeviceFiles.mayBeModuleDevice(p)).as(p).isFalse();
        }
    }

    @Test
    void mountinfoEscapesAreDecoded() {
        assertThat(MountInfo.unescape("/mnt/a\\040b\\011c\\134d")).isEqualTo("/mnt/a b\tc\\d");
        assertThat(MountInfo.unescape("/plain")).isEqualTo("/plain");
        assertThat(MountInfo.unescape("/trailing\\04")).isEqualTo("/trailing\\04");
    }
}
