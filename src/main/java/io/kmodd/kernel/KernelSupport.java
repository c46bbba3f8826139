package io.kmodd.kernel;

import java.util.List;

/**
 * What the running kernel and the daemon's privileges allow, probed so that the daemon degrades with a
 * clear reason instead of failing.
 *
 * @param modular the kernel has loadable module support (/proc/modules exists)
 * @param capSysModule the daemon holds CAP_SYS_MODULE in its effective set
 * @param modulesDisabled /proc/sys/kernel/modules_disabled is 1
 * @param resolverAvailable libkmod could be loaded and the module tree of the running kernel opened
 * @param problems one sentence per missing piece, empty when all is well
 */
public record KernelSupport(boolean modular, boolean capSysModule, boolean modulesDisabled,
        boolean resolverAvailable, List<String> problems) {
    public KernelSupport {
        problems = List.copyOf(problems);
    }

    public boolean canWrite() {
        return problems.isEmpty();
    }
}
