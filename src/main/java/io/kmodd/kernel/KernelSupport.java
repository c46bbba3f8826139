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
 * @param lockdown the kernel lockdown mode (none, integrity, confidentiality), "" when unknown
 * @param signaturesEnforced whether the kernel only loads modules with a valid signature
 */
public record KernelSupport(boolean modular, boolean capSysModule, boolean modulesDisabled,
        boolean resolverAvailable, List<String> problems, String lockdown, boolean signaturesEnforced) {
    public KernelSupport {
        problems = List.copyOf(problems);
        lockdown = lockdown == null ? "" : lockdown;
    }

    public KernelSupport(boolean modular, boolean capSysModule, boolean modulesDisabled, boolean resolverAvailable,
            List<String> problems) {
        this(modular, capSysModule, modulesDisabled, resolverAvailable, problems, "", false);
    }

    /** What restricts loads even when kmodd can write: lockdown and signature enforcement. */
    public String restrictions() {
        StringBuilder b = new StringBuilder();
        if (signaturesEnforced) {
            b.append("the kernel only loads modules with a valid signature (module.sig_enforce)");
        }
        if (!lockdown.isEmpty() && !lockdown.equals("none")) {
            b.append(b.length() > 0 ? "; " : "").append("kernel lockdown is '").append(lockdown)
                    .append("' (unsigned modules and forced removal are refused)");
        }
        return b.toString();
    }

    public boolean canWrite() {
        return problems.isEmpty();
    }
}
