package io.kmodd.persistence;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import java.io.IOException;
import java.nio.file.Files;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * kmodd's two drop-ins, in the formats systemd-modules-load and modprobe read, so a reboot restores
 * them without kmodd: modules-load.d has one module name per line; modprobe.d has "options NAME k=v ...".
 * Each change reads both files anew, changes only the lines of that module, and keeps every other line
 * (comments, other modules, anything edited by hand) as it was. If a file changed between the read and
 * the write, the change is made again on the new content. Thread-safe: changes are serialized.
 */
public final class PersistenceStore {
    private final DropIn modulesLoad;
    private final DropIn modprobe;

    public PersistenceStore(java.nio.file.Path modulesLoadFile, java.nio.file.Path modprobeFile) {
        this.modulesLoad = new DropIn(modulesLoadFile);
        this.modprobe = new DropIn(modprobeFile);
    }

    /**
     * Creates the target of a drop-in that is a dangling symlink (the Debian package links /etc's
     * drop-ins into kmodd's state directory), so systemd-modules-load and modprobe never meet a broken link.
     */
    public synchronized void prepare() throws IOException {
        for (DropIn d : List.of(modulesLoad, modprobe)) {
            if (Files.isSymbolicLink(d.path()) && !Files.exists(d.path())) {
                d.write(List.of("# Written by kmodd (PUT/DELETE /modules/NAME/persistence). Lines kmodd does not own are kept."));
            }
        }
    }

    /** Every module the drop-ins mention, by name. */
    public synchronized List<PersistedModule> list() {
        try {
            Map<String, Boolean> load = new TreeMap<>();
            for (String line : modulesLoad.read()) {
                moduleOf(line).ifPresent(m -> load.put(m, true));
            }
            Map<String, Map<String, String>> options = new TreeMap<>();
            for (String line : modprobe.read()) {
                parseOptions(line).ifPresent(o -> options.merge(o.getKey(), o.getValue(), (a, b) -> {
                    Map<String, String> m = new LinkedHashMap<>(a);
                    m.putAll(b);
                    return m;
                }));
            }
            TreeMap<String, PersistedModule> all = new TreeMap<>();
            load.keySet().forEach(m -> all.put(m, new PersistedModule(m, true, options.getOrDefault(m, Map.of()))));
            options.forEach((m, p) -> all.putIfAbsent(m, new PersistedModule(m, false, p)));
            return List.copyOf(all.values());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the drop-ins: " + e.getMessage(), e);
        }
    }

    public synchronized PersistedModule put(ModuleName name, boolean load, ModuleParameters params) {
        change(modulesLoad, lines -> {
            List<String> out = without(lines, l -> moduleOf(l).filter(name.value()::equals).isPresent());
            if (load) {
                out.add(name.value());
            }
            return out;
        });
        change(modprobe, lines -> {
            List<String> out = without(lines, l -> parseOptions(l).filter(o -> o.getKey().equals(name.value())).isPresent());
            if (!params.isEmpty()) {
                out.add("options " + name.value() + " " + params.toKernelArgs(null));
            }
            return out;
        });
        return new PersistedModule(name.value(), load, params.asMap());
    }

    /** Forgets the module in both drop-ins; false when neither mentioned it. */
    public synchronized boolean remove(ModuleName name) {
        boolean known = list().stream().anyMatch(p -> p.module().equals(name.value()));
        put(name, false, ModuleParameters.NONE);
        return known;
    }

    private interface Edit {
        List<String> apply(List<String> lines);
    }

    private static void change(DropIn file, Edit edit) {
        try {
            for (int attempt = 0; attempt < 3; attempt++) {
                List<String> before = file.read();
                List<String> after = edit.apply(before);
                if (after.equals(before)) {
                    return;
                }
                if (!file.read().equals(before)) {
                    continue; // Edited meanwhile (by hand, or by a package): redo on the new content.
                }
                if (before.isEmpty()) {
                    after.add(0, "# Written by kmodd (PUT/DELETE /modules/NAME/persistence). Lines kmodd does not own are kept.");
                }
                file.write(after);
                return;
            }
            throw new IllegalStateException(file.path() + " keeps changing while kmodd writes it; try again");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file.path() + ": " + e.getMessage(), e);
        }
    }

    private static List<String> without(List<String> lines, java.util.function.Predicate<String> owned) {
        List<String> out = new ArrayList<>();
        for (String l : lines) {
            if (!owned.test(l)) {
                out.add(l);
            }
        }
        return out;
    }

    /** A modules-load.d line's module; comments (# and ;) and blank lines have none. */
    static java.util.Optional<String> moduleOf(String line) {
        String t = line.strip();
        if (t.isEmpty() || t.startsWith("#") || t.startsWith(";")) {
            return java.util.Optional.empty();
        }
        try {
            return java.util.Optional.of(ModuleName.of(t).value());
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    /** An "options NAME k=v ..." line of modprobe.d, as the module and its parameters. */
    static java.util.Optional<Map.Entry<String, Map<String, String>>> parseOptions(String line) {
        String[] f = line.strip().split("\\s+", 3);
        if (f.length < 2 || !f[0].equals("options")) {
            return java.util.Optional.empty();
        }
        String module;
        try {
            module = ModuleName.of(f[1]).value();
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Map.entry(module, ModuleParameters.parseArgs(f.length == 3 ? f[2] : null)));
    }
}
