package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleUsage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The modules that use a module, directly or through each other, as the kernel lists them in
 * /sys/module/M/holders, in the order they can be removed: each after every module that uses it. Loaded
 * again in the reverse order. Stateless.
 */
final class HolderChain {
    private HolderChain() {
    }

    static List<ModuleName> of(Kernel kernel, ModuleName module) {
        List<ModuleName> out = new ArrayList<>();
        collect(kernel, module, out);
        return List.copyOf(out);
    }

    private static void collect(Kernel kernel, ModuleName module, List<ModuleName> out) {
        for (ModuleName h : kernel.usage(module).map(ModuleUsage::holders).orElse(List.of())) {
            if (!out.contains(h)) {
                collect(kernel, h, out);
                out.add(h);
            }
        }
    }

    /** What uses {@code module} beyond the modules holding it (processes, mounts, devices): none when unused. */
    static Optional<String> inUse(Kernel kernel, ModuleName module) {
        return kernel.usage(module).filter(u -> u.refcnt() > u.holders().size())
                .map(u -> module + " is in use (refcnt " + u.refcnt() + (u.holders().isEmpty() ? "" : ", of which "
                        + u.holders().size() + " from the modules using it") + ")");
    }
}
