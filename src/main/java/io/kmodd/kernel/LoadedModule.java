package io.kmodd.kernel;

import java.util.List;
import java.util.Map;

/**
 * An immutable snapshot of one loaded module, read from /proc/modules and /sys/module/NAME.
 *
 * @param holders the modules that use this one (from holders/ or /proc/modules' dependents column)
 * @param taints the module's taint letters from /sys/module/NAME/taint, empty when clean
 * @param parameters readable parameters from /sys/module/NAME/parameters; write-only ones are absent
 * @param permanent whether the kernel marks it {@code [permanent]} in /proc/modules: it has an init but
 *     no exit function, so only a forced removal takes it out
 */
public record LoadedModule(ModuleName name, ModuleState state, int refcnt, long sizeBytes, List<ModuleName> holders,
        String taints, Map<String, String> parameters, boolean permanent) {
    public LoadedModule {
        holders = List.copyOf(holders);
        parameters = Map.copyOf(parameters);
        taints = taints == null ? "" : taints;
    }

    public LoadedModule withPermanent(boolean p) {
        return new LoadedModule(name, state, refcnt, sizeBytes, holders, taints, parameters, p);
    }
}
