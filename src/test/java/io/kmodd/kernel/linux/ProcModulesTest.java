package io.kmodd.kernel.linux;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcModulesTest {

    @Test
    void parsesLiveComingGoingHoldersAndTaints() {
        List<LoadedModule> m = ProcModules.parse(List.of(
                "xfs 2060288 1 - Live 0x0000000000000000",
                "libcrc32c 12288 2 xfs,btrfs, Live 0x0000000000000000",
                "vboxdrv 479232 2 vboxnetadp,vboxnetflt, Live 0xffffffffc0a00000 (OE)",
                "null_blk 65536 0 - Loading 0x0000000000000000",
                "dummy 12288 0 - Unloading 0x0000000000000000"));
        assertThat(m).hasSize(5);
        assertThat(m.get(0).name().value()).isEqualTo("xfs");
        assertThat(m.get(0).sizeBytes()).isEqualTo(2060288);
        assertThat(m.get(0).refcnt()).isEqualTo(1);
        assertThat(m.get(0).holders()).isEmpty();
        assertThat(m.get(1).holders()).containsExactly(ModuleName.of("xfs"), ModuleName.of("btrfs"));
        assertThat(m.get(2).taints()).isEqualTo("OE");
        assertThat(m.get(3).state()).isEqualTo(ModuleState.COMING);
        assertThat(m.get(4).state()).isEqualTo(ModuleState.GOING);
    }

    @Test
    void permanentIsAPropertyOfTheModuleNotAHolder() {
        List<LoadedModule> m = ProcModules.parse(List.of(
                "ipv6 557056 24 [permanent], Live 0x0000000000000000",
                "nf_defrag 12288 1 [permanent],nf_conntrack, Live 0x0000000000000000",
                "loop 32768 0 - Live 0x0"));
        assertThat(m.get(0).permanent()).isTrue();
        assertThat(m.get(0).holders()).isEmpty();
        assertThat(m.get(1).permanent()).isTrue();
        assertThat(m.get(1).holders()).containsExactly(ModuleName.of("nf_conntrack"));
        assertThat(m.get(2).permanent()).isFalse();
    }

    @Test
    void skipsTruncatedAndMalformedLinesInsteadOfGuessing() {
        List<LoadedModule> m = ProcModules.parse(List.of(
                "", "xfs 2060288", "bad/name 1 0 - Live 0x0", "loop notanumber 0 - Live 0x0",
                "loop 32768 - - Live 0x0", "weird 1 0 - Sleeping 0x0"));
        assertThat(m).extracting(x -> x.name().value()).containsExactly("loop");
        assertThat(m.get(0).refcnt()).isZero();
    }

    @Test
    void aMissingFileIsAnEmptyListNotAnError(@TempDir Path root) {
        ProcModules p = new ProcModules(new KernelPaths(root, root));
        assertThat(p.exists()).isFalse();
        assertThat(p.read()).isEmpty();
    }

    @Test
    void readsTheConfiguredRoot(@TempDir Path root) throws Exception {
        Files.writeString(root.resolve("modules"), "loop 32768 0 - Live 0x0000000000000000\n");
        ProcModules p = new ProcModules(new KernelPaths(root, root));
        assertThat(p.exists()).isTrue();
        assertThat(p.read()).extracting(x -> x.name().value()).containsExactly("loop");
    }
}
