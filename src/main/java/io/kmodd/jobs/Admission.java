package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.policy.ModulePolicy;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The checks that refuse a request before it becomes a job, each with a {@link Refusal} and a sentence:
 * the module policy, whether the kernel and kmodd's privileges allow writes at all, and resolving a name
 * or alias to exactly one module. Thread-safe (stateless).
 */
final class Admission {
    private final Kernel kernel;
    private final ModulePolicy policy;

    Admission(Kernel kernel, ModulePolicy policy) {
        this.kernel = kernel;
        this.policy = policy;
    }

    /** @throws RefusedException (POLICY_DENIED) when the policy does not allow {@code action} on {@code name} */
    void allowed(ModuleName name, String action) {
        policy.denial(name, action).ifPresent(why -> {
            throw new RefusedException(Refusal.POLICY_DENIED, why);
        });
    }

    /** The refusal of a removal whose module is not loaded (or is built in). */
    RefusedException notLoaded(ModuleName name) {
        return new RefusedException(Refusal.NOT_FOUND, kernel.isBuiltin(name)
                ? name + " is built into the kernel and cannot be removed" : name + " is not loaded");
    }

    /** @throws RefusedException when the kernel or kmodd's privileges do not allow changing modules */
    void requireWritable() {
        KernelSupport support = kernel.support();
        if (support.canWrite()) {
            return;
        }
        String why = String.join("; ", support.problems());
        if (support.modular() && !support.modulesDisabled() && !support.capSysModule() && support.resolverAvailable()) {
            throw new RefusedException(Refusal.NO_PRIVILEGE, why);
        }
        throw new RefusedException(Refusal.NO_MODULE_SUPPORT, why);
    }

    /** The one module a name or alias stands for. @throws RefusedException when none, several, or no resolver */
    ResolvedModule resolve(ModuleName name) {
        List<ResolvedModule> found;
        try {
            found = kernel.resolve(name.value());
        } catch (ResolutionException e) {
            throw new RefusedException(Refusal.RESOLUTION_FAILED, e.getMessage());
        }
        if (found.isEmpty()) {
            throw new RefusedException(Refusal.NOT_FOUND,
                    "no module or alias named " + name + " in the running kernel's module tree");
        }
        if (found.size() == 1) {
            return found.get(0);
        }
        return found.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> new RefusedException(Refusal.AMBIGUOUS, "alias " + name + " matches several modules: "
                        + found.stream().map(m -> m.name().value()).collect(Collectors.joining(", "))
                        + "; name the one to load"));
    }
}
