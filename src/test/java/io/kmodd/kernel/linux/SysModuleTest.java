package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SysModuleTest {

    private static Path module(Path sys, String name, String initstate, String refcnt) throws Exception {
        Path dir = Files.createDirectories(sys.resolve("module").resolve(name));
        if (initstate != null) {
            Files.writeString(dir.resolve("initstate"), initstate + "\n");
        }
        if (refcnt != null) {
            Files.writeString(dir.resolve("refcnt"), refcnt + "\n");
        }
        return dir;
    }

    @Test
    void readsStateRefcountHoldersSizeTaintAndParameters(@TempDir Path sys) throws Exception {
        Path dir = module(sys, "libcrc32c", "live", "2");
        Files.createDirectories(dir.resolve("holders/xfs"));
        Files.createDirectories(dir.resolve("holders/btrfs"));
        Files.writeString(dir.resolve("coresize"), "12288\n");
        Files.writeString(dir.resolve("taint"), "\n");
        Files.createDirectories(dir.resolve("parameters"));
        Files.writeString(dir.resolve("parameters/max_loop"), "4\n");
        Path writeOnly = Files.writeString(dir.resolve("parameters/secret"), "x\n");
        Files.setPosixFilePermissions(writeOnly, PosixFilePermissions.fromString("-w-------"));

        SysModule s = new SysModule(new KernelPaths(sys, sys));
        LoadedModule m = s.read(ModuleName.of("libcrc32c")).orElseThrow();
        assertThat(m.state()).isEqualTo(ModuleState.LIVE);
        assertThat(m.refcnt()).isEqualTo(2);
        assertThat(m.holders()).containsExactly(ModuleName.of("btrfs"), ModuleName.of("xfs"));
        assertThat(m.sizeBytes()).isEqualTo(12288);
        assertThat(m.taints()).isEmpty();
        assertThat(m.parameters()).containsEntry("max_loop", "4");
        if (!"root".equals(System.getProperty("user.name"))) {
            assertThat(m.parameters()).doesNotContainKey("secret");
        }
    }

    @Test
    void aDirectoryWithoutInitstateIsNotALoadedModule(@TempDir Path sys) throws Exception {
        // A built-in module's directory (its drivers, Linux 6.15+), or a loadable one's being set up or torn
        // down: neither is live, and neither is called built-in here (modules.builtin says that).
        module(sys, "ext4", null, null);
        SysModule s = new SysModule(new KernelPaths(sys, sys));
        assertThat(s.usage(ModuleName.of("ext4"))).isEmpty();
        assertThat(s.usage(ModuleName.of("xfs"))).isEmpty();
    }

    @Test
    void aModuleGoingAwayMidReadIsAbsentNotAnError(@TempDir Path sys) throws Exception {
        module(sys, "loop", "going", null);
        SysModule s = new SysModule(new KernelPaths(sys, sys));
        ModuleUsage u = s.usage(ModuleName.of("loop")).orElseThrow();
        assertThat(u.state()).isEqualTo(ModuleState.GOING);
        assertThat(u.refcnt()).isZero();
        assertThat(s.usage(ModuleName.of("nosuch"))).isEmpty();
    }

    @Test
    void theRefcountProbeRereadsOneOpenFileAndSeesTheModuleGo(@TempDir Path sys) throws Exception {
        Path dir = module(sys, "loop", "live", "1");
        SysModule s = new SysModule(new KernelPaths(sys, sys));
        try (var probe = s.refcountProbe(ModuleName.of("loop"))) {
            assertThat(probe.read()).hasValue(1);
            Files.writeString(dir.resolve("refcnt"), "0\n");
            assertThat(probe.read()).hasValue(0);
            Files.writeString(dir.resolve("refcnt"), "12\n");
            assertThat(probe.read()).hasValue(12);
            Files.delete(dir.resolve("refcnt"));
            Files.delete(dir.resolve("initstate"));
            Files.delete(dir);
        }
        try (var probe = s.refcountProbe(ModuleName.of("loop"))) {
            assertThat(probe.read()).isEmpty();
        }
    }

    @Test
    void lockdownAndSignatureEnforcementAreReported(@TempDir Path root) throws Exception {
        Path proc = Files.createDirectories(root.resolve("proc"));
        Path sys = Files.createDirectories(root.resolve("sys"));
        Files.writeString(proc.resolve("modules"), "");
        Files.createDirectories(sys.resolve("kernel/security"));
        Files.writeString(sys.resolve("kernel/security/lockdown"), "none [integrity] confidentiality\n");
        Files.createDirectories(sys.resolve("module/module/parameters"));
        Files.writeString(sys.resolve("module/module/parameters/sig_enforce"), "Y\n");
        var support = new LinuxKernel(proc, sys, root.resolve("no-modules").toString()).support();
        assertThat(support.lockdown()).isEqualTo("integrity");
        assertThat(support.signaturesEnforced()).isTrue();
        assertThat(support.restrictions()).contains("sig_enforce").contains("lockdown is 'integrity'");
        assertThat(support.problems()).anyMatch(p -> p.contains("CAP_SYS_MODULE") || p.contains("libkmod"));
    }
}
