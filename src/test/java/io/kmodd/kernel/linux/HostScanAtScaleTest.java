package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.ScanBound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host scan on a fixture /proc the size of a busy Kubernetes node (5,000 processes, 200,000 open
 * descriptors): it finishes, finds every holder and says nothing is hidden, however slow the machine,
 * because its bound is work, not time. The time it took is printed for BENCHMARKS.md, never asserted.
 */
class HostScanAtScaleTest {
    static final int PROCESSES = 5_000;
    static final int DESCRIPTORS_EACH = 40;

    @TempDir
    Path root;

    @Test
    void aNodeWithFiveThousandProcessesIsScannedToTheEnd() throws Exception {
        assertThat(Path.of("/dev/loop0")).as("this test needs the host's /dev/loop0 node").exists();
        Path proc = root.resolve("proc");
        Path sys = root.resolve("sys");
        Files.createDirectories(sys);
        Files.createDirectories(proc.resolve("self"));
        Files.writeString(proc.resolve("devices"), "Character devices:\n  1 mem\n\nBlock devices:\n  7 loop\n");
        Files.writeString(proc.resolve("self/mountinfo"), "22 1 0:21 / / rw - overlay overlay rw\n");
        Files.writeString(proc.resolve("self/status"), "Name:\tjava\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n");
        Path regular = Files.writeString(root.resolve("data"), "x");
        int holders = 0;
        for (int pid = 1000; pid < 1000 + PROCESSES; pid++) {
            Path fd = Files.createDirectories(proc.resolve(pid + "/fd"));
            Files.writeString(proc.resolve(pid + "/comm"), "worker\n");
            Files.writeString(proc.resolve(pid + "/cgroup"), "0::/kubepods.slice/pod" + pid + ".slice/cri-containerd.scope\n");
            for (int n = 0; n < DESCRIPTORS_EACH; n++) {
                // What a node's processes hold: sockets, pipes, regular files, /dev/null; one in a hundred
                // holds a module's block device.
                String target = n == 7 && pid % 100 == 0 ? "/dev/loop0"
                        : switch (n % 4) {
                            case 0 -> "socket:[" + (pid * 100 + n) + "]";
                            case 1 -> "pipe:[" + (pid * 100 + n) + "]";
                            case 2 -> "/dev/null";
                            default -> regular.toString();
                        };
                Files.createSymbolicLink(fd.resolve(Integer.toString(n)), Path.of(target));
            }
            holders += pid % 100 == 0 ? 1 : 0;
        }
        HostScan scan = new HostScan(new KernelPaths(proc, sys), n -> Optional.empty());
        scan.scan(ScanBound.HOST); // once cold, as the first GET …/usage after start
        long t0 = System.nanoTime();
        HostFacts f = scan.scan(ScanBound.HOST);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(f.notVisible()).isEmpty();
        assertThat(f.openDevices()).hasSize(holders).allSatisfy(d -> assertThat(d.path()).isEqualTo("/dev/loop0"));
        System.out.printf("host scan at scale: %d processes, %d descriptors, %d holders found: %d ms (warm)%n",
                PROCESSES, PROCESSES * DESCRIPTORS_EACH, holders, ms);
    }
}
