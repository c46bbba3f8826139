package io.kmodd.usage;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.DeviceNumber;
import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.testing.SimulatedKernel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Attributing a refcount to what the host shows, and never claiming more than was found. */
class UsageExplainerTest {
    private final SimulatedKernel kernel = new SimulatedKernel();
    private final UsageExplainer explainer = new UsageExplainer(kernel, io.kmodd.kernel.ScanBound.HOST);

    private static final DeviceNumber LOOP0 = new DeviceNumber(DeviceNumber.Kind.BLOCK, 7, 0);
    private static final DeviceNumber LOOP1 = new DeviceNumber(DeviceNumber.Kind.BLOCK, 7, 1);

    private static HostFacts facts(List<HostFacts.Mount> mounts, List<HostFacts.OpenDevice> open,
            List<HostFacts.BlockDevice> blocks, List<HostFacts.NetInterface> nets, List<String> notVisible) {
        return new HostFacts(mounts, open, blocks, nets, Map.of(7, "loop", 254, "virtblk"), Map.of(10, "misc", 235, "fuse"),
                notVisible);
    }

    private UsageExplanation explain(String module, int refcnt, List<String> holders, HostFacts f) {
        return explainer.explain(ModuleName.of(module), new ModuleUsage(ModuleState.LIVE, refcnt,
                holders.stream().map(ModuleName::of).toList()), f);
    }

    @Test
    void loopHeldByAProcessAMountAnAttachedFileAndADeviceMapperTableIsFullyExplained() {
        HostFacts f = facts(
                List.of(new HostFacts.Mount("7:1", "ext4", "/dev/loop1", "/mnt/a"), new HostFacts.Mount("7:1", "ext4", "/dev/loop1", "/mnt/b"),
                        new HostFacts.Mount("0:21", "tmpfs", "tmpfs", "/tmp")),
                List.of(new HostFacts.OpenDevice(812, "qemu-img", Optional.of("backup.service"), "/dev/loop0", LOOP0, Optional.empty()),
                        new HostFacts.OpenDevice(9, "cat", Optional.empty(), "/dev/fuse", new DeviceNumber(DeviceNumber.Kind.CHAR, 10, 229),
                                Optional.empty())),
                List.of(new HostFacts.BlockDevice("loop0", LOOP0, Optional.empty(), Optional.of("/srv/disk.img"), List.of("dm-0")),
                        new HostFacts.BlockDevice("loop1", LOOP1, Optional.empty(), Optional.of("/srv/fs.img"), List.of()),
                        new HostFacts.BlockDevice("vda", new DeviceNumber(DeviceNumber.Kind.BLOCK, 254, 0), Optional.of("virtio_blk"),
                                Optional.empty(), List.of())),
                List.of(), List.of());
        UsageExplanation e = explain("loop", 5, List.of(), f);
        assertThat(e.holding()).extracting(Holding::what).containsExactly(
                "/dev/loop0 open by pid 812 (qemu-img, backup.service)",
                "/dev/loop1 mounted at /mnt/a, /mnt/b (ext4)",
                "loop0 attached to /srv/disk.img",
                "dm-0 is built on loop0",
                "loop1 attached to /srv/fs.img");
        assertThat(e.holding()).extracting(Holding::kind).containsExactly(Holding.Kind.PROCESS, Holding.Kind.MOUNT,
                Holding.Kind.LOOP_DEVICE, Holding.Kind.BLOCK_HOLDER, Holding.Kind.LOOP_DEVICE);
        assertThat(e.holding().get(0).details()).containsEntry("pid", 812).containsEntry("unit", "backup.service");
        assertThat(e.explained()).isEqualTo(5);
        assertThat(e.complete()).isTrue();
        assertThat(e.summary()).startsWith("refcnt 5, 5 explained: /dev/loop0 open by pid 812");
    }

    @Test
    void aFilesystemIsFoundThroughTheKernelsOwnFsAlias() {
        kernel.define("ext4").alias("fs-ext3", "ext4");
        HostFacts f = facts(List.of(new HostFacts.Mount("254:1", "ext3", "/dev/vda1", "/"),
                new HostFacts.Mount("254:2", "ext4", "/dev/vda2", "/home"), new HostFacts.Mount("0:5", "proc", "proc", "/proc")),
                List.of(), List.of(), List.of(), List.of());
        UsageExplanation e = explain("ext4", 2, List.of(), f);
        assertThat(e.holding()).extracting(Holding::what).containsExactly("ext3 from /dev/vda1 mounted at /",
                "ext4 from /dev/vda2 mounted at /home");
        assertThat(e.complete()).isTrue();
    }

    @Test
    void holderModulesCountAndWhatIsNotFoundIsNotClaimed() {
        HostFacts f = facts(List.of(), List.of(), List.of(), List.of(),
                List.of("processes: other users' open files are not visible to kmodd"));
        UsageExplanation e = explain("libcrc32c", 3, List.of("xfs", "btrfs"), f);
        assertThat(e.holding()).extracting(Holding::what).containsExactly("module xfs uses it", "module btrfs uses it");
        assertThat(e.explained()).isEqualTo(2);
        assertThat(e.complete()).isFalse();
        assertThat(e.summary()).isEqualTo("refcnt 3, 2 explained: module xfs uses it; module btrfs uses it"
                + " (not everything was visible: processes: other users' open files are not visible to kmodd)");
    }

    @Test
    void interfacesHoldNothingButGoWithTheirDriver() {
        HostFacts f = facts(List.of(), List.of(), List.of(),
                List.of(new HostFacts.NetInterface("dummy0", false, Optional.of("dummy"), Optional.empty()),
                        new HostFacts.NetInterface("eth0", true, Optional.of("virtio_net"), Optional.of("virtio_net"))),
                List.of());
        UsageExplanation e = explain("dummy", 0, List.of(), f);
        assertThat(e.holding()).isEmpty();
        assertThat(e.removalDestroys()).extracting(Holding::what).containsExactly("network interface dummy0 (down)");
        assertThat(e.removalDestroys().get(0).holdsReference()).isFalse();
        assertThat(e.complete()).isTrue();
        assertThat(e.summary()).isEqualTo("refcnt 0, nothing holds it");
    }

    @Test
    void moreFoundThanTheRefcountIsNotCalledAnExplanation() {
        HostFacts f = facts(List.of(), List.of(
                new HostFacts.OpenDevice(1, "a", Optional.empty(), "/dev/loop0", LOOP0, Optional.empty()),
                new HostFacts.OpenDevice(1, "a", Optional.empty(), "/dev/loop0", LOOP0, Optional.empty())), List.of(), List.of(),
                List.of());
        UsageExplanation e = explain("loop", 1, List.of(), f);
        assertThat(e.complete()).isFalse();
        assertThat(e.summary()).startsWith("refcnt 1, 2 possible holders found");
    }

    @Test
    void aCharacterDeviceOpenIsNamedButNeverMakesTheCountExact() {
        // An open character device holds its cdev owner and its fops owner: one reference or two.
        HostFacts f = facts(List.of(), List.of(new HostFacts.OpenDevice(77, "sshfs", Optional.empty(), "/dev/fuse",
                new DeviceNumber(DeviceNumber.Kind.CHAR, 235, 0), Optional.empty())), List.of(), List.of(), List.of());
        UsageExplanation e = explain("fuse", 1, List.of(), f);
        assertThat(e.holding()).extracting(Holding::what).containsExactly("/dev/fuse open by pid 77 (sshfs)");
        assertThat(e.explained()).isEqualTo(1);
        assertThat(e.complete()).isFalse();
    }

    @Test
    void fuseMountsAreFoundByTheirKernelTypeNotTheirSubtype() {
        HostFacts f = facts(List.of(new HostFacts.Mount("0:50", "fuse.sshfs", "me@host:", "/mnt/remote")), List.of(), List.of(),
                List.of(), List.of());
        assertThat(explain("fuse", 1, List.of(), f).holding()).extracting(Holding::what)
                .containsExactly("fuse.sshfs from me@host: mounted at /mnt/remote");
    }

    @Test
    void aModuleNotLoadedHasNoExplanationAndCostsNoScan() {
        assertThat(explainer.explain(ModuleName.of("loop"))).isEmpty();
        assertThat(kernel.hostScans()).isZero();
    }
}
