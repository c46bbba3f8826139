package io.kmodd.params;

import io.kmodd.kernel.InvalidParameterException;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The parameters a live module has, as far as they can be known: what the kernel shows in
 * /sys/module/M/parameters, and, for what it does not show, what kmodd loaded this load of the module
 * with ({@link LoadedWith}). Checks requested values against them, and records kmodd's own loads and
 * removals. Thread-safe.
 */
public final class LiveParameters {
    private final Kernel kernel;
    private final LoadedWith loadedWith;

    public LiveParameters(Kernel kernel, LoadedWith loadedWith) {
        this.kernel = kernel;
        this.loadedWith = loadedWith;
    }

    /**
     * How {@code wanted} compares with the live module; {@link ParameterConflict#none()} when every
     * value is confirmed in force. Empty when the module is not loaded.
     */
    public Optional<ParameterConflict> check(ModuleName module, Map<String, String> wanted) {
        Optional<LoadedModule> m = kernel.loadedModule(module);
        if (m.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> shown = m.get().parameters();
        Optional<Map<String, String>> ours = kernel.instance(module).flatMap(i -> loadedWith.of(module, i));
        Map<String, String> live = new LinkedHashMap<>();
        List<String> differ = new ArrayList<>();
        List<String> unconfirmed = new ArrayList<>();
        wanted.forEach((k, v) -> {
            // The kernel takes '-' and '_' in a parameter name as the same character (parameq()).
            String declared = k.replace('-', '_');
            Optional<String> have = Optional.ofNullable(shown.get(k)).or(() -> Optional.ofNullable(shown.get(declared)))
                    .or(() -> ours.map(o -> o.getOrDefault(k, o.get(declared))));
            if (have.isEmpty()) {
                unconfirmed.add(k);
                return;
            }
            live.put(k, have.get());
            if (!ParameterValues.same(v, have.get())) {
                differ.add(k);
            }
        });
        return Optional.of(new ParameterConflict(wanted, live, null, null, differ, unconfirmed));
    }

    /** Conflicts between {@code wanted} and the values a queued load will apply ({@code queued}, effective). */
    public static ParameterConflict againstQueued(Map<String, String> wanted, Map<String, String> queued, String jobId) {
        List<String> differ = wanted.entrySet().stream()
                .filter(e -> queued.containsKey(e.getKey()) && !ParameterValues.same(e.getValue(), queued.get(e.getKey())))
                .map(Map.Entry::getKey).toList();
        return new ParameterConflict(wanted, null, queued, jobId, differ, List.of());
    }

    /** What kmodd loaded the module's current load with, if it did. */
    public Optional<Map<String, String>> loadedWith(ModuleName module) {
        return kernel.instance(module).flatMap(i -> loadedWith.of(module, i));
    }

    /**
     * What kmodd loaded the module's current load with, as parameters for a load again: without the
     * values {@code configuredOptions} (modprobe.d's) give by themselves; NONE for a record that no longer
     * passes validation (a hand-edited file). Empty when kmodd did not load it.
     */
    public Optional<ModuleParameters> loadedWithParameters(ModuleName module, String configuredOptions) {
        Map<String, String> options = ModuleParameters.parseArgs(configuredOptions);
        return loadedWith(module).map(recorded -> {
            Map<String, String> ours = new LinkedHashMap<>(recorded);
            ours.entrySet().removeIf(e -> e.getValue().equals(options.get(e.getKey())));
            try {
                return ModuleParameters.of(ours);
            } catch (InvalidParameterException e) {
                return ModuleParameters.NONE;
            }
        });
    }

    /** kmodd has just loaded the module with {@code effective}. */
    public void recordLoad(ModuleName module, Map<String, String> effective) {
        kernel.instance(module).ifPresent(i -> loadedWith.loaded(module, i, effective));
    }

    /** The module is gone (kmodd removed it, or found it removed). */
    public void recordRemoval(ModuleName module) {
        loadedWith.removed(module);
    }
}
