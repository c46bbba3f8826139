package io.kmodd.kernel.linux;

import io.kmodd.kernel.InvalidModuleNameException;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads /proc/modules: one line per module, {@code name size refcnt users state address [taints]}, where
 * users is "-" or a comma-terminated list of the modules using this one, and refcnt is "-" on kernels
 * without CONFIG_MODULE_UNLOAD. Stateless and thread-safe.
 */
final class ProcModules {
    static final String PERMANENT = "[permanent]";
    private final KernelPaths paths;

    ProcModules(KernelPaths paths) {
        this.paths = paths;
    }

    boolean exists() {
        return Files.isReadable(paths.procModules());
    }

    List<LoadedModule> read() {
        try {
            return parse(Files.readAllLines(paths.procModules()));
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + paths.procModules(), e);
        }
    }

    /** Parses the file's lines; malformed or truncated lines are skipped, never guessed at. */
    static List<LoadedModule> parse(List<String> lines) {
        List<LoadedModule> modules = new ArrayList<>(lines.size());
        for (String line : lines) {
            parseLine(line).ifPresent(modules::add);
        }
        return modules;
    }

    static Optional<LoadedModule> parseLine(String line) {
        String[] f = line.strip().split("\\s+");
        if (f.length < 5) {
            return Optional.empty();
        }
        Optional<ModuleState> state = ModuleState.parse(f[4]);
        if (state.isEmpty()) {
            return Optional.empty();
        }
        try {
            ModuleName name = ModuleName.of(f[0]);
            long size = Long.parseLong(f[1]);
            int refcnt = f[2].equals("-") ? 0 : Integer.parseInt(f[2]);
            List<String> users = f[3].equals("-") ? List.of()
                    : Arrays.stream(f[3].split(",")).filter(s -> !s.isEmpty()).toList();
            // The kernel lists "[permanent]" among the users of a module with no exit function; it is not a module.
            boolean permanent = users.contains(PERMANENT);
            List<ModuleName> holders = users.stream().filter(u -> !u.equals(PERMANENT)).map(ModuleName::of).toList();
            String taints = f.length >= 7 ? f[6].replaceAll("[()]", "") : "";
            return Optional.of(new LoadedModule(name, state.get(), refcnt, size, holders, taints, Map.of(), permanent));
        } catch (NumberFormatException | InvalidModuleNameException e) {
            return Optional.empty();
        }
    }
}
