package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterConflict;
import io.kmodd.policy.ModulePolicy;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Whether a request becomes a job: every check that refuses one at once, each with a {@link Refusal} and a
 * sentence (the module policy, whether the kernel and kmodd's privileges allow writes at all, resolving a
 * name or alias to exactly one module, holders, blacklists, parameters that would not apply), and for a
 * load the answer that nothing needs running. What it cannot know, the module's lane, the caller says: a
 * lane with unfinished work decides the kernel's state by the time the new job runs, so the kernel's state
 * now is checked only for an idle lane. Thread-safe (stateless).
 */
final class Admission {
    private final Kernel kernel;
    private final ModulePolicy policy;
    private final LiveParameters live;

    Admission(Kernel kernel, ModulePolicy policy, LiveParameters live) {
        this.kernel = kernel;
        this.policy = policy;
        this.live = live;
    }

    /** What an admitted load comes to: nothing to run ({@link ModuleOperations.AlreadyThere}), or a module to load. */
    sealed interface LoadVerdict permits ModuleOperations.AlreadyThere, ToLoad {
    }

    /** The one module to load (not built in, allowed, not blacklisted or the blacklist overridden). */
    record ToLoad(ResolvedModule target) implements LoadVerdict {
    }

    /**
     * A load request, after the policy check on the name asked for and the lane's own checks: writes
     * possible, the module live already (with parameters that match, or cannot be told apart), built in, or
     * the one module its name resolves to, allowed and not blacklisted.
     *
     * @param ignoreBlacklist the caller checked the admin role
     * @param laneBusy the module's lane has unfinished work
     */
    LoadVerdict load(ModuleName requested, ModuleParameters params, boolean ignoreBlacklist, boolean laneBusy) {
        requireWritable();
        // A built-in module is never live in /proc/modules: its resolution below answers it, one libkmod lookup.
        if (!laneBusy && kernel.isLive(requested)) {
            if (params.isEmpty()) {
                return new ModuleOperations.AlreadyThere(requested, false);
            }
            Optional<ParameterConflict> c = live.check(requested, params.asMap());
            if (c.isPresent() && !c.get().none()) {
                throw new ParameterConflictException(requested.value(), c.get());
            }
            if (c.isPresent()) {
                return new ModuleOperations.AlreadyThere(requested, false);
            }
            // Gone since it was seen live: a load it is.
        }
        ResolvedModule target = resolve(requested);
        if (target.builtin()) {
            // Always there; its parameters come from the kernel command line, never a load.
            if (!params.isEmpty()) {
                throw new RefusedException(Refusal.PARAMETER_CONFLICT, target.name() + " is built into the kernel; its"
                        + " parameters are set on the kernel command line (" + target.name() + ".NAME=VALUE) and a load"
                        + " cannot change them");
            }
            return new ModuleOperations.AlreadyThere(target.name(), true);
        }
        allowed(target.name(), "loading");
        if (target.blacklisted() && !ignoreBlacklist) {
            throw blacklisted(target.name(), "load", "");
        }
        return new ToLoad(target);
    }

    /** A removal request: allowed, writes possible, and on an idle lane loaded and held by no other module. */
    void unload(ModuleName name, boolean laneBusy) {
        allowed(name, "removing");
        requireWritable();
        if (laneBusy) {
            return;
        }
        ModuleUsage usage = kernel.usage(name).orElseThrow(() -> notLoaded(name));
        // The kernel refuses a module other modules hold even when forced (delete_module answers EWOULDBLOCK
        // before it looks at O_TRUNC): neither waiting nor force can help.
        if (!usage.holders().isEmpty()) {
            throw heldBy(name, usage, "waiting cannot help until they are removed first");
        }
    }

    /**
     * A reload request: allowed, writes possible; on an idle lane loaded, and held by no other module unless
     * the request takes its holders down, each of them allowed and unused; then loadable: not built in, not
     * [permanent], not blacklisted unless overridden. Returns the module to load again.
     */
    ResolvedModule reload(ModuleName name, ReloadRequest request, boolean laneBusy) {
        allowed(name, "reloading");
        requireWritable();
        if (!laneBusy) {
            ModuleUsage usage = kernel.usage(name).orElseThrow(() -> notLoaded(name));
            if (!usage.holders().isEmpty() && !request.withHolders()) {
                throw heldBy(name, usage, "a reload must remove it first, which the kernel refuses until they are removed"
                        + " (withHolders=true takes them down, if unused, and brings them back)");
            }
            for (ModuleName h : HolderChain.of(kernel, name)) {
                allowed(h, "removing and loading again (it uses " + name + ")");
                HolderChain.inUse(kernel, h).ifPresent(why -> {
                    throw new RefusedException(Refusal.IN_USE_BY_HOLDERS, why + " and uses " + name
                            + "; only unused modules are taken down for a reload");
                });
            }
        }
        ResolvedModule target = resolve(name);
        if (!target.name().equals(name) || target.builtin()) {
            throw notLoaded(name);
        }
        if (kernel.loadedModule(name).map(LoadedModule::permanent).orElse(false)) {
            throw new RefusedException(Refusal.PERMANENT, name + " is [permanent]: it has no exit function, so the kernel"
                    + " removes it only when forced, and a reload would wait for nothing");
        }
        if (target.blacklisted() && !request.ignoreBlacklist()) {
            throw blacklisted(name, "reload", "; a reload would load it again");
        }
        return target;
    }

    private static RefusedException heldBy(ModuleName name, ModuleUsage usage, String consequence) {
        return new RefusedException(Refusal.IN_USE_BY_HOLDERS, name + " is used by " + ModuleName.joined(usage.holders())
                + "; " + consequence);
    }

    private static RefusedException blacklisted(ModuleName name, String verb, String consequence) {
        return new RefusedException(Refusal.BLACKLISTED, name + " is blacklisted in modprobe.d" + consequence
                + ": remove the blacklist entry, or " + verb + " it as admin with ignoreBlacklist=true");
    }

    /** @throws RefusedException (POLICY_DENIED) when the policy does not allow {@code action} on {@code name} */
    void allowed(ModuleName name, String action) {
        policy.denial(name, action).ifPresent(why -> {
            throw new RefusedException(Refusal.POLICY_DENIED, why);
        });
    }

    /** The refusal of a removal whose module is not loaded (or is built in). */
    RefusedException notLoaded(ModuleName name) {
        return new RefusedException(Refusal.NOT_LOADED, kernel.isBuiltin(name)
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
