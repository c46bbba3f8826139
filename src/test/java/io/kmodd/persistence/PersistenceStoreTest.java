package io.kmodd.persistence;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PersistenceStoreTest {

    @Test
    void writesTheFormatsSystemdAndModprobeRead(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("modules-load.d/kmodd.conf");
        Path opts = dir.resolve("modprobe.d/kmodd.conf");
        PersistenceStore store = new PersistenceStore(load, opts);
        store.put(ModuleName.of("loop"), true, ModuleParameters.of(Map.of("max_loop", "8")));
        store.put(ModuleName.of("dummy"), false, ModuleParameters.of(Map.of("numdummies", "2")));
        store.put(ModuleName.of("xfs"), true, ModuleParameters.NONE);
        assertThat(Files.readAllLines(load)).filteredOn(l -> !l.startsWith("#")).containsExactly("loop", "xfs");
        assertThat(Files.readAllLines(opts)).filteredOn(l -> !l.startsWith("#"))
                .containsExactly("options loop max_loop=8", "options dummy numdummies=2");
        assertThat(store.list()).containsExactly(new PersistedModule("dummy", false, Map.of("numdummies", "2")),
                new PersistedModule("loop", true, Map.of("max_loop", "8")), new PersistedModule("xfs", true, Map.of()));
        try (var files = Files.list(load.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("kmodd.conf");
        }
    }

    @Test
    void handEditsAreReadBackAndKeptNotClobbered(@TempDir Path dir) throws Exception {
        Path load = dir.resolve("load.conf");
        Path opts = dir.resolve("opts.conf");
        Files.writeString(load, "# the admin's own notes\nbtrfs\n; old-style comment\n\nloop\n");
        Files.writeString(opts, "# tuned by hand\noptions loop max_loop=4 max_part=\"1\"\nblacklist pcspkr\noptions snd-hda-intel power_save=1\n");
        PersistenceStore store = new PersistenceStore(load, opts);
        assertThat(store.list()).contains(new PersistedModule("btrfs", true, Map.of()),
                new PersistedModule("loop", true, Map.of("max_loop", "4", "max_part", "1")),
                new PersistedModule("snd_hda_intel", false, Map.of("power_save", "1")));
        store.put(ModuleName.of("loop"), true, ModuleParameters.of(Map.of("max_loop", "16")));
        assertThat(Files.readAllLines(load)).containsExactly("# the admin's own notes", "btrfs", "; old-style comment", "",
                "loop");
        assertThat(Files.readAllLines(opts)).containsExactly("# tuned by hand", "blacklist pcspkr",
                "options snd-hda-intel power_save=1", "options loop max_loop=16");
        assertThat(store.remove(ModuleName.of("btrfs"))).isTrue();
        assertThat(store.remove(ModuleName.of("nosuch"))).isFalse();
        assertThat(Files.readAllLines(load)).doesNotContain("btrfs").contains("# the admin's own notes", "loop");
    }

    @Test
    void aSymlinkedDropInIsWrittenThroughAndStaysALink(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(state.resolve("modules-load.conf"), "");
        Path link = Files.createSymbolicLink(etc.resolve("kmodd.conf"), state.resolve("modules-load.conf"));
        PersistenceStore store = new PersistenceStore(link, dir.resolve("opts.conf"));
        store.put(ModuleName.of("loop"), true, ModuleParameters.NONE);
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readAllLines(state.resolve("modules-load.conf"))).contains("loop");
        assertThat(store.list()).extracting(PersistedModule::module).containsExactly("loop");
    }

    @Test
    void malformedLinesAreIgnoredNotGuessed() {
        assertThat(PersistenceStore.moduleOf("../etc/passwd")).isEmpty();
        assertThat(PersistenceStore.moduleOf("  # x")).isEmpty();
        assertThat(PersistenceStore.parseOptions("options")).isEmpty();
        assertThat(PersistenceStore.parseOptions("install loop /bin/true")).isEmpty();
        assertThat(PersistenceStore.parseOptions("options loop flag").orElseThrow().getValue()).containsEntry("flag", "");
    }

    @Test
    void aDanglingLinkGetsItsTargetSoBootNeverMeetsABrokenLink(@TempDir Path dir) throws Exception {
        Path state = Files.createDirectories(dir.resolve("state"));
        Path link = Files.createSymbolicLink(dir.resolve("kmodd.conf"), state.resolve("modules-load.conf"));
        PersistenceStore store = new PersistenceStore(link, dir.resolve("opts.conf"));
        store.prepare();
        assertThat(Files.exists(link)).isTrue();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.exists(dir.resolve("opts.conf"))).isFalse();
        assertThat(store.list()).isEmpty();
    }
}
