package io.kmodd.kernel.linux;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.RefcountProbe;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The real kernel: /proc and /sys for reads, libkmod for resolution, finit_module and delete_module
 * for writes. No process is ever spawned. Thread-safe.
 */
public final class LinuxKernel implements Kernel, AutoCloseable {

    private final KernelPaths paths;
    private final ProcModules procModules;
    private final SysModule sysModule;
    private final ModuleResolver resolver;
    private final Syscalls syscalls = new Syscalls();
    private final ModuleImages images;
    private final HostScan hostScan;

    /** @param modulesDir the module tree, or null for the running kernel's */
    public LinuxKernel(Path procRoot, Path sysRoot, String modulesDir) {
        this.paths = new KernelPaths(procRoot, sysRoot);
        this.procModules = new ProcModules(paths);
        this.sysModule = new SysModule(paths);
        this.images = new ModuleImages(paths);
        this.resolver = new ModuleResolver(modulesDir);
        this.hostScan = new HostScan(paths, new EthtoolDriver());
    }

    @Override
    public KernelSupport support() {
        List<String> problems = new ArrayList<>();
        boolean modular = procModules.exists();
        if (!modular) {
            problems.add("this kernel has no loadable module support (" + paths.procModules() + " does not exist)");
        }
        boolean disabled = KernelFiles.value(paths.modulesDisabled()).map("1"::equals).orElse(false);
        if (disabled) {
            problems.add("module loading and removal are disabled until reboot (kernel.modules_disabled=1)");
        }
        boolean cap = SelfStatus.read(paths).has(SelfStatus.CAP_SYS_MODULE);
        if (!cap) {
            problems.add("kmodd lacks CAP_SYS_MODULE; run it as root or grant the capability (AmbientCapabilities=CAP_SYS_MODULE)");
        }
        boolean resolverOk = true;
        if (modular) {
            Optional<String> p = resolver.problem();
            if (p.isPresent()) {
                resolverOk = false;
                problems.add(p.get());
            }
        }
        // "none [integrity] confidentiality": the bracketed word is the mode in force.
        String lockdown = KernelFiles.value(paths.lockdown())
                .map(t -> t.replaceAll(".*\\[([a-z]+)\\].*", "$1")).orElse("");
        boolean sigEnforced = KernelFiles.value(paths.sigEnforce()).map("Y"::equals).orElse(false);
        return new KernelSupport(modular, cap, disabled, resolverOk, problems, lockdown, sigEnforced);
    }

    @Override
    public List<LoadedModule> loadedModules() {
        return procModules.read();
    }

    @Override
    public Optional<LoadedModule> loadedModule(ModuleName name) {
        return sysModule.read(name).map(m -> m.withPermanent(procModules.read().stream()
                .anyMatch(p -> p.name().equals(name) && p.permanent())));
    }

    @Override
    public Optional<ModuleUsage> usage(ModuleName name) {
        return sysModule.usage(name);
    }

    @Override
    public io.kmodd.kernel.HostFacts hostFacts(io.kmodd.kernel.ScanBound bound) {
        return hostScan.scan(bound);
    }

    @Override
    public Optional<String> instance(ModuleName name) {
        return sysModule.instance(name);
    }

    @Override
    public RefcountProbe refcountProbe(ModuleName name) {
        return sysModule.refcountProbe(name);
    }

    @Override
    public boolean isBuiltin(ModuleName name) {
        // modules.builtin, through libkmod: since Linux 6.15 a built-in module's /sys/module/NAME can exist
        // (its drivers), and a loadable one's exists without initstate while it is set up or torn down, so
        // no sysfs directory tells the two apart.
        try {
            return resolver.resolve(name.value()).stream().anyMatch(r -> r.builtin() && r.name().equals(name));
        } catch (io.kmodd.kernel.ResolutionException e) {
            return false;
        }
    }

    @Override
    public List<ResolvedModule> resolve(String nameOrAlias) throws ResolutionException {
        return resolver.resolve(nameOrAlias);
    }

    @Override
    public KernelCall load(ResolvedModule module, String args) throws KernelException {
        Path file = module.path().orElseThrow(() -> new IllegalArgumentException(module.name() + " is built in"));
        ModuleImages.Plan plan = images.plan(file);
        if (plan instanceof ModuleImages.Decompress d) {
            try (ModuleImages.Image image = ModuleImages.decompress(d.file(), d.format())) {
                syscalls.initModule(image, args);
            }
            return KernelCall.INIT_MODULE;
        }
        ModuleImages.FromFile f = (ModuleImages.FromFile) plan;
        syscalls.finitModule(f.file(), args, f.compressed());
        return KernelCall.FINIT_MODULE;
    }

    @Override
    public void unload(ModuleName name, boolean force) throws KernelException {
        syscalls.deleteModule(name.value(), force);
    }

    @Override
    public long taintMask() {
        return KernelFiles.value(paths.tainted()).map(s -> {
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                return -1L;
            }
        }).orElse(-1L);
    }

    @Override
    public void close() {
        resolver.close();
    }
}
