package io.kmodd.kernel;

import java.util.List;

/** The cheap part of a module's state that a patient removal polls: state, refcount and holders. */
public record ModuleUsage(ModuleState state, int refcnt, List<String> holders) {
    public ModuleUsage {
        holders = List.copyOf(holders);
    }
}
