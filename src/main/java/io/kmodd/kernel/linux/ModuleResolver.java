package io.kmodd.kernel.linux;

import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Resolves names and aliases with libkmod: the module's file, its dependencies in load order, its
 * modprobe.d options, blacklist, softdeps and install commands. libkmod's context is not thread-safe, so
 * this class owns it on one thread ({@code kmodd-kmod}); callers block on that thread's answer.
 * Thread-safe.
 */
final class ModuleResolver implements AutoCloseable {
    private final String modulesDir;
    private final ExecutorService owner = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "kmodd-kmod");
        t.setDaemon(true);
        return t;
    });
    /** Set once the context is open; it stays open, so later checks need not visit the owner thread. */
    private volatile boolean opened;
    // Touched only on the owner thread.
    private Libkmod kmod;
    private Libkmod.Ctx ctx;
    private String loadFailure;

    /** @param modulesDir the module tree, or null for the running kernel's /lib/modules/`uname -r` */
    ModuleResolver(String modulesDir) {
        this.modulesDir = modulesDir;
    }

    /** Whether libkmod loads and opens the module tree; the reason otherwise. */
    Optional<String> problem() {
        if (opened) {
            return Optional.empty();
        }
        try {
            return call(() -> {
                open();
                return Optional.ofNullable(loadFailure);
            });
        } catch (ResolutionException e) {
            return Optional.of(e.getMessage());
        }
    }

    List<ResolvedModule> resolve(String nameOrAlias) throws ResolutionException {
        return call(() -> {
            open();
            if (loadFailure != null) {
                throw new ResolutionException(loadFailure);
            }
            return lookup(nameOrAlias);
        });
    }

    private interface Task<T> {
        T run() throws ResolutionException;
    }

    private <T> T call(Task<T> task) throws ResolutionException {
        Future<T> f = owner.submit(task::run);
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof ResolutionException re) {
                throw re;
            }
            throw new ResolutionException("libkmod failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            f.cancel(true);
            throw new ResolutionException("libkmod did not answer within 30 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ResolutionException("interrupted while waiting for libkmod");
        }
    }

    private void open() {
        if (ctx != null || loadFailure != null) {
            return;
        }
        try {
            kmod = Libkmod.load();
        } catch (UnsatisfiedLinkError e) {
            loadFailure = "libkmod.so.2 cannot be loaded (install the kmod package): " + e.getMessage();
            return;
        }
        ctx = kmod.kmod_new(modulesDir, null);
        if (ctx == null) {
            loadFailure = "libkmod cannot open the module tree"
                    + (modulesDir == null ? " of the running kernel" : " " + modulesDir);
            return;
        }
        int err = kmod.kmod_load_resources(ctx);
        if (err < 0) {
            kmod.kmod_unref(ctx);
            ctx = null;
            loadFailure = "libkmod cannot load the module indexes (modules.dep.bin, modules.alias.bin"
                    + (modulesDir == null ? "" : " in " + modulesDir) + "): " + Errno.ofNegative(err);
            return;
        }
        opened = true;
    }

    private List<ResolvedModule> lookup(String alias) throws ResolutionException {
        PointerByReference ref = new PointerByReference();
        int err = kmod.kmod_module_new_from_lookup(ctx, alias, ref);
        if (err < 0) {
            Errno errno = Errno.ofNegative(err);
            throw new ResolutionException(errno, "libkmod lookup of '" + alias + "' failed: " + errno);
        }
        Pointer list = ref.getValue();
        try {
            Set<String> allowed = notBlacklisted(list);
            List<ResolvedModule> result = new ArrayList<>();
            for (Pointer e = list; e != null; e = kmod.kmod_list_next(list, e)) {
                Libkmod.Module mod = kmod.kmod_module_get_module(e);
                try {
                    result.add(describe(mod, !allowed.contains(kmod.kmod_module_get_name(mod))));
                } finally {
                    kmod.kmod_module_unref(mod);
                }
            }
            return result;
        } finally {
            if (list != null) {
                kmod.kmod_module_unref_list(list);
            }
        }
    }

    private Set<String> notBlacklisted(Pointer list) {
        Set<String> names = new HashSet<>();
        if (list == null) {
            return names;
        }
        PointerByReference out = new PointerByReference();
        if (kmod.kmod_module_apply_filter(ctx, Libkmod.KMOD_FILTER_BLACKLIST, list, out) < 0) {
            return names;
        }
        Pointer filtered = out.getValue();
        try {
            names.addAll(namesOf(filtered));
        } finally {
            if (filtered != null) {
                kmod.kmod_module_unref_list(filtered);
            }
        }
        return names;
    }

    private ResolvedModule describe(Libkmod.Module mod, boolean blacklisted) {
        String name = kmod.kmod_module_get_name(mod);
        String path = kmod.kmod_module_get_path(mod);
        // No file: a modules.builtin entry. Not kmod_module_get_initstate's BUILTIN, which older libkmod also
        // answers for any /sys/module/NAME without initstate (a loadable module coming or going).
        boolean builtin = path == null;
        LinkedHashSet<String> order = new LinkedHashSet<>();
        dependenciesInLoadOrder(mod, order, new HashSet<>());
        order.remove(name);
        List<ModuleName> pre = new ArrayList<>();
        List<ModuleName> post = new ArrayList<>();
        PointerByReference preRef = new PointerByReference();
        PointerByReference postRef = new PointerByReference();
        if (kmod.kmod_module_get_softdeps(mod, preRef, postRef) == 0) {
            consumeList(preRef.getValue(), pre);
            consumeList(postRef.getValue(), post);
        }
        return new ResolvedModule(ModuleName.of(name),
                builtin ? Optional.empty() : Optional.of(Path.of(path)),
                kmod.kmod_module_get_options(mod),
                order.stream().map(ModuleName::of).toList(), pre, post, blacklisted,
                kmod.kmod_module_get_install_commands(mod) != null);
    }

    /** Depth-first, dependencies before dependents: the order modprobe loads them in. */
    private void dependenciesInLoadOrder(Libkmod.Module mod, LinkedHashSet<String> order, Set<String> visiting) {
        String name = kmod.kmod_module_get_name(mod);
        if (order.contains(name) || !visiting.add(name)) {
            return;
        }
        Pointer deps = kmod.kmod_module_get_dependencies(mod);
        try {
            for (Pointer e = deps; e != null; e = kmod.kmod_list_next(deps, e)) {
                Libkmod.Module dep = kmod.kmod_module_get_module(e);
                try {
                    dependenciesInLoadOrder(dep, order, visiting);
                } finally {
                    kmod.kmod_module_unref(dep);
                }
            }
        } finally {
            if (deps != null) {
                kmod.kmod_module_unref_list(deps);
            }
        }
        order.add(name);
    }

    private void consumeList(Pointer list, List<ModuleName> into) {
        if (list == null) {
            return;
        }
        try {
            namesOf(list).forEach(n -> into.add(ModuleName.of(n)));
        } finally {
            kmod.kmod_module_unref_list(list);
        }
    }

    private List<String> namesOf(Pointer list) {
        List<String> names = new ArrayList<>();
        for (Pointer e = list; e != null; e = kmod.kmod_list_next(list, e)) {
            Libkmod.Module m = kmod.kmod_module_get_module(e);
            try {
                names.add(kmod.kmod_module_get_name(m));
            } finally {
                kmod.kmod_module_unref(m);
            }
        }
        return names;
    }

    @Override
    public void close() {
        owner.submit(() -> {
            if (ctx != null) {
                kmod.kmod_unref(ctx);
                ctx = null;
            }
        });
        owner.shutdown();
    }
}
