package io.kmodd.testing;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.RefcountProbe;
import io.kmodd.kernel.ResolvedModule;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A deterministic kernel behind the same port as the real one, for host tests of lanes, merging and
 * patient removal. It keeps the kernel's bookkeeping (a dependency's refcount counts its holders), can
 * hold loads in flight, answers scripted errnos, and counts every call. Thread-safe: one monitor.
 */
public final class SimulatedKernel implements Kernel {

    private static final class Mod {
        ModuleState state = ModuleState.LIVE;
        int users;
        final List<ModuleName> holders = new ArrayList<>();
        Map<String, String> params = Map.of();
        final long instance = INSTANCES.incrementAndGet();
    }

    private static final java.util.concurrent.atomic.AtomicLong INSTANCES = new java.util.concurrent.atomic.AtomicLong();
    private final Map<ModuleName, java.util.Set<String>> hiddenParams = new HashMap<>();
    private final Map<ModuleName, Map<String, String>> joinedLoads = new HashMap<>();

    /**
     * The next load of the module succeeds with {@code applied} instead of its own arguments, as Linux 6.5+
     * answers a finit_module that it merged with a concurrent one (the first caller's parameters win).
     */
    public synchronized void nextLoadJoinsAnother(String name, Map<String, String> applied) {
        joinedLoads.put(ModuleName.of(name), new TreeMap<>(applied));
    }

    private final Map<ModuleName, ResolvedModule> tree = new HashMap<>();
    private final Map<ModuleName, Mod> loaded = new TreeMap<>();
    private final Map<ModuleName, Deque<Errno>> finitScript = new HashMap<>();
    private final Map<ModuleName, Deque<Errno>> deleteScript = new HashMap<>();
    private final Map<ModuleName, AtomicInteger> finitCalls = new ConcurrentHashMap<>();
    private final Map<ModuleName, AtomicInteger> deleteCalls = new ConcurrentHashMap<>();
    private final Map<ModuleName, Runnable> afterScriptedFinit = new HashMap<>();
    private volatile CountDownLatch loadGate;
    private final CountDownLatch loadEntered = new CountDownLatch(1);
    private volatile KernelSupport support = new KernelSupport(true, true, false, true, List.of());
    private volatile io.kmodd.kernel.HostFacts hostFacts = io.kmodd.kernel.HostFacts.none();
    private final AtomicInteger hostScans = new AtomicInteger();

    /** Puts a module in the module tree with its hard dependencies (already in load order). */
    public synchronized SimulatedKernel define(String name, String... deps) {
        List<ModuleName> d = new ArrayList<>();
        for (String dep : deps) {
            d.add(ModuleName.of(dep));
        }
        ModuleName n = ModuleName.of(name);
        tree.put(n, new ResolvedModule(n, Optional.of(Path.of("/lib/modules/sim/" + n + ".ko")), "", d, List.of(),
                List.of(), false, false));
        return this;
    }

    public synchronized SimulatedKernel defineResolved(ResolvedModule m) {
        tree.put(m.name(), m);
        return this;
    }

    public synchronized void reset() {
        tree.clear();
        loaded.clear();
        finitScript.clear();
        deleteScript.clear();
        finitCalls.clear();
        deleteCalls.clear();
        afterScriptedFinit.clear();
        loadGate = null;
        support = new KernelSupport(true, true, false, true, List.of());
        hostFacts = io.kmodd.kernel.HostFacts.none();
        hostScans.set(0);
        aliases.clear();
        hiddenParams.clear();
        joinedLoads.clear();
    }

    /** Loads held until {@link #releaseLoads()} are counted and block inside finit_module. */
    private final java.util.concurrent.ConcurrentHashMap<ModuleName, CountDownLatch> moduleGates =
            new java.util.concurrent.ConcurrentHashMap<>();

    public void holdLoads() {
        loadGate = new CountDownLatch(1);
    }

    public void releaseLoads() {
        CountDownLatch g = loadGate;
        loadGate = null;
        if (g != null) {
            g.countDown();
        }
    }

    /** Loads of {@code name} block inside finit_module until {@link #releaseLoadsOf}, as a slow init does. */
    public void holdLoadsOf(String name) {
        moduleGates.put(ModuleName.of(name), new CountDownLatch(1));
    }

    public void releaseLoadsOf(String name) {
        CountDownLatch g = moduleGates.remove(ModuleName.of(name));
        if (g != null) {
            g.countDown();
        }
    }

    /** Waits until some load is inside finit_module. */
    public boolean awaitLoadInFlight(long millis) throws InterruptedException {
        return loadEntered.await(millis, TimeUnit.MILLISECONDS);
    }

    public synchronized void scriptFinit(String name, Errno... answers) {
        finitScript.computeIfAbsent(ModuleName.of(name), k -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    /** Runs {@code action} right after a scripted finit answer is given for {@code name}. */
    public synchronized void afterScriptedFinit(String name, Runnable action) {
        afterScriptedFinit.put(ModuleName.of(name), action);
    }

    public synchronized void scriptDelete(String name, Errno... answers) {
        deleteScript.computeIfAbsent(ModuleName.of(name), k -> new ArrayDeque<>()).addAll(List.of(answers));
    }

    public void setSupport(KernelSupport s) {
        support = s;
    }

    /** An outside party (a user, udev) loads a module directly, bypassing kmodd. */
    public synchronized void loadedByOther(String name, ModuleState state) {
        Mod m = new Mod();
        m.state = state;
        loaded.put(ModuleName.of(name), m);
    }

    public synchronized void setState(String name, ModuleState state) {
        Mod m = loaded.get(ModuleName.of(name));
        if (m != null) {
            m.state = state;
        }
    }

    /** An outside party removes a module (or its load fails) behind kmodd's back. */
    public synchronized void removedByOther(String name) {
        loaded.remove(ModuleName.of(name));
    }

    /** Users outside the module graph: an open file descriptor, a mount. */
    public synchronized void setUsers(String name, int users) {
        loaded.get(ModuleName.of(name)).users = users;
    }

    public int finitCalls(String name) {
        return finitCalls.getOrDefault(ModuleName.of(name), new AtomicInteger()).get();
    }

    public int deleteCalls(String name) {
        return deleteCalls.getOrDefault(ModuleName.of(name), new AtomicInteger()).get();
    }

    /** Every finit_module and delete_module call made, on any module. */
    public int totalCalls() {
        return finitCalls.values().stream().mapToInt(AtomicInteger::get).sum()
                + deleteCalls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    public synchronized boolean isLoaded(String name) {
        return loaded.containsKey(ModuleName.of(name));
    }

    public synchronized Map<String, String> paramsOf(String name) {
        return loaded.get(ModuleName.of(name)).params;
    }

    @Override
    public KernelSupport support() {
        return support;
    }

    @Override
    public synchronized List<LoadedModule> loadedModules() {
        List<LoadedModule> all = new ArrayList<>();
        loaded.forEach((n, m) -> all.add(view(n, m)));
        return all;
    }

    private LoadedModule view(ModuleName n, Mod m) {
        Map<String, String> shown = new TreeMap<>(m.params);
        shown.keySet().removeAll(hiddenParams.getOrDefault(n, java.util.Set.of()));
        return new LoadedModule(n, m.state, m.users + m.holders.size(), 4096, m.holders, "", shown, false);
    }

    /** Makes a parameter of the module unreadable in sysfs (mode 0 or 0200), as some modules declare them. */
    public synchronized void hideParameter(String module, String param) {
        hiddenParams.computeIfAbsent(ModuleName.of(module), k -> new java.util.HashSet<>()).add(param);
    }

    /** Loads the module as an outside loader would (modprobe, udev), with the given live parameters. */
    public synchronized void loadedByOther(String name, Map<String, String> params) {
        Mod m = new Mod();
        m.params = new TreeMap<>(params);
        loaded.put(ModuleName.of(name), m);
    }

    @Override
    public synchronized Optional<String> instance(ModuleName name) {
        Mod m = loaded.get(name);
        return m == null ? Optional.empty() : Optional.of("simulated/" + m.instance);
    }

    @Override
    public synchronized Optional<LoadedModule> loadedModule(ModuleName name) {
        return Optional.ofNullable(loaded.get(name)).map(m -> view(name, m));
    }

    @Override
    public synchronized Optional<ModuleUsage> usage(ModuleName name) {
        return Optional.ofNullable(loaded.get(name))
                .map(m -> new ModuleUsage(m.state, m.users + m.holders.size(), m.holders));
    }

    @Override
    public RefcountProbe refcountProbe(ModuleName name) {
        return new RefcountProbe() {
            @Override
            public OptionalInt read() {
                return usage(name).map(u -> OptionalInt.of(u.refcnt())).orElse(OptionalInt.empty());
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public boolean isBuiltin(ModuleName name) {
        return false;
    }

    private final Map<String, ModuleName> aliases = new ConcurrentHashMap<>();

    /** An alias the module tree resolves to a defined module, as modules.alias would ("fs-ext3" to ext4). */
    public SimulatedKernel alias(String alias, String module) {
        aliases.put(alias, ModuleName.of(module));
        return this;
    }

    @Override
    public synchronized List<ResolvedModule> resolve(String nameOrAlias) {
        ModuleName aliased = aliases.get(nameOrAlias);
        ResolvedModule m = aliased != null ? tree.get(aliased) : tree.get(ModuleName.of(nameOrAlias));
        return m == null ? List.of() : List.of(m);
    }

    @Override
    public KernelCall load(ResolvedModule module, String args) throws KernelException {
        ModuleName name = module.name();
        finitCalls.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        loadEntered.countDown();
        CountDownLatch gate = moduleGates.getOrDefault(name, loadGate);
        if (gate != null) {
            try {
                gate.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KernelException(KernelCall.FINIT_MODULE, Errno.EINTR);
            }
        }
        Runnable after;
        Errno scripted;
        synchronized (this) {
            Deque<Errno> script = finitScript.get(name);
            scripted = script == null ? null : script.poll();
            after = scripted == null ? null : afterScriptedFinit.get(name);
        }
        if (after != null) {
            after.run();
        }
        synchronized (this) {
            if (scripted != null) {
                throw new KernelException(KernelCall.FINIT_MODULE, scripted);
            }
            if (loaded.containsKey(name)) {
                throw new KernelException(KernelCall.FINIT_MODULE,
                        loaded.get(name).state == ModuleState.LIVE ? Errno.EEXIST : Errno.EBUSY);
            }
            for (ModuleName dep : module.dependencies()) {
                if (!loaded.containsKey(dep)) {
                    throw new KernelException(KernelCall.FINIT_MODULE, Errno.ENOENT,
                            "finit_module: ENOENT: unknown symbol from " + dep);
                }
            }
            Mod m = new Mod();
            Map<String, String> joined = joinedLoads.remove(name);
            m.params = joined != null ? joined : parse(args);
            loaded.put(name, m);
            for (ModuleName dep : module.dependencies()) {
                loaded.get(dep).holders.add(name);
            }
        }
        return KernelCall.FINIT_MODULE;
    }

    private static Map<String, String> parse(String args) {
        Map<String, String> p = new TreeMap<>();
        for (String kv : args.split(" ")) {
            if (!kv.isEmpty()) {
                int eq = kv.indexOf('=');
                p.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "Y" : kv.substring(eq + 1));
            }
        }
        return p;
    }

    @Override
    public synchronized void unload(ModuleName name, boolean force) throws KernelException {
        deleteCalls.computeIfAbsent(name, k -> new AtomicInteger()).incrementAndGet();
        Deque<Errno> script = deleteScript.get(name);
        Errno scripted = script == null ? null : script.poll();
        if (scripted != null) {
            throw new KernelException(KernelCall.DELETE_MODULE, scripted);
        }
        Mod m = loaded.get(name);
        if (m == null) {
            throw new KernelException(KernelCall.DELETE_MODULE, Errno.ENOENT);
        }
        // As the kernel: holders refuse the removal even when forced; force passes only the refcount.
        if (!m.holders.isEmpty() || (!force && m.users > 0)) {
            throw new KernelException(KernelCall.DELETE_MODULE, Errno.EAGAIN);
        }
        if (m.state != ModuleState.LIVE && !force) {
            throw new KernelException(KernelCall.DELETE_MODULE, Errno.EBUSY);
        }
        loaded.remove(name);
        loaded.values().forEach(other -> other.holders.remove(name));
    }

    @Override
    public long taintMask() {
        return 0;
    }

    /** What the next host scans find (mounts, open devices, block devices, interfaces). */
    public void hostFacts(io.kmodd.kernel.HostFacts facts) {
        hostFacts = facts;
    }

    /** How many host scans were made. */
    public int hostScans() {
        return hostScans.get();
    }

    @Override
    public io.kmodd.kernel.HostFacts hostFacts(io.kmodd.kernel.ScanBound bound) {
        hostScans.incrementAndGet();
        return hostFacts;
    }
}
