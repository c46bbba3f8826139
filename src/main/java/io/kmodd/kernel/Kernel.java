package io.kmodd.kernel;

import java.util.List;
import java.util.Optional;

/**
 * The one narrow port between kmodd and the kernel: reads of /proc and /sys, module resolution, and
 * the two module syscalls. The real implementation is {@code io.kmodd.kernel.linux.LinuxKernel}; tests
 * put a simulated kernel behind the same port. Implementations are thread-safe.
 */
public interface Kernel {

    /** Probes what the kernel and the daemon's privileges allow; cheap enough for a readiness check. */
    KernelSupport support();

    /** All loaded modules, as /proc/modules lists them; empty on a kernel without module support. */
    List<LoadedModule> loadedModules();

    /** One loaded module in detail, or empty when it is not loaded. */
    Optional<LoadedModule> loadedModule(ModuleName name);

    /** The module's state, refcount and holders, or empty when it is not loaded. Called in wait loops. */
    Optional<ModuleUsage> usage(ModuleName name);

    /** Whether the module is loaded and live (not coming or going). */
    default boolean isLive(ModuleName name) {
        return usage(name).map(u -> u.state() == ModuleState.LIVE).orElse(false);
    }

    /**
     * Scans what on the host can hold modules (mounts, open device files, block devices, network
     * interfaces), stopping the process walk at {@code bound} (and saying so in
     * {@link HostFacts#notVisible()}). Costs a walk of /proc: never call it on every poll.
     */
    HostFacts hostFacts(ScanBound bound);

    /**
     * Which load of the module this is: an identifier that stays the same while the module stays loaded
     * and differs once it is removed and loaded again, or the host reboots. Empty when it is not loaded.
     */
    Optional<String> instance(ModuleName name);

    /** Opens a cheap repeated reader of the module's refcount, for wait loops. */
    RefcountProbe refcountProbe(ModuleName name);

    /** Whether the module is built into the kernel (listed in /sys/module without an initstate). */
    boolean isBuiltin(ModuleName name);

    /**
     * Resolves a name or alias against the running kernel's module tree and modprobe.d (libkmod). Empty
     * when nothing matches. An alias may resolve to several modules.
     */
    List<ResolvedModule> resolve(String nameOrAlias) throws ResolutionException;

    /**
     * Loads the module's file with the given argument string: finit_module(2) on the file (compressed or not,
     * when the kernel decompresses it), or init_module(2) on an image decompressed in user space. Returns the
     * call that loaded it.
     */
    KernelCall load(ResolvedModule module, String args) throws KernelException;

    /** delete_module(2) with O_NONBLOCK, and O_TRUNC when forced. */
    void unload(ModuleName name, boolean force) throws KernelException;

    /** /proc/sys/kernel/tainted, or -1 when it cannot be read. */
    long taintMask();
}
