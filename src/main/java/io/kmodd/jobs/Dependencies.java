package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import java.util.Optional;

/**
 * How a runner starts work on another module's lane for its dependencies: the only way back from a
 * runner to the operations that made it. Implementations are thread-safe.
 */
interface Dependencies {

    /**
     * Queues (or joins) a load of {@code module} for job {@code parentId}; empty when it is built in.
     *
     * @throws RefusedException when policy, blacklist or resolution refuses it
     */
    default Optional<Job> load(ModuleName module, String parentId) {
        return load(module, ModuleParameters.NONE, parentId);
    }

    /** The same, with parameters (a reload bringing back the modules it took down). */
    Optional<Job> load(ModuleName module, ModuleParameters params, String parentId);

    /** Queues (or joins) a removal of {@code module} for job {@code parentId}. */
    Job unload(ModuleName module, UnloadOptions options, String parentId);
}
