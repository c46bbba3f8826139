package io.kmodd.kernel;

import java.util.List;

/** The cheap part of a module's state that a patient removal polls: state, refcount and holders. */
/** @param holders the modules that use this one, from /sys/module/NAME/holders */
public record ModuleUsage(ModuleState state, int refcnt, List<ModuleName> holders) {
    public ModuleUsage {
        holders = List.copyOf(holders);
    }
}
