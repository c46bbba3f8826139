package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.RefcountProbe;
import io.kmodd.params.LiveParameters;
import io.kmodd.text.DurationText;
import io.kmodd.usage.UsageExplainer;
import io.kmodd.usage.UsageExplanation;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one unload job on its module's lane, patiently, as the kmod patient-removal series does but
 * without its growing poll interval: it reads the refcount every poll interval (20 ms by default),
 * calls delete_module(O_NONBLOCK) as soon as the count is 0, and retries the kernel's EAGAIN/EBUSY
 * refusals (refcount 0 but not removable yet) within the same deadline. Since Linux 3.13 the kernel
 * never waits inside delete_module, so all waiting happens here, in the run's cancellable wait: a
 * timer entry between polls, never a parked thread. Holders (other modules) make waiting pointless, so
 * they fail the job at once. Thread-safe (stateless; each run's wait state lives in its own
 * {@link Attempts}, whose polls run one at a time).
 */
final class RemovalSteps {
    /** How often a waiting removal explains its module's refcount afresh (at least the progress interval). */
    static final Duration EXPLAIN_EVERY = Duration.ofSeconds(2);
    private final Kernel kernel;
    private final UsageExplainer explainer;
    private final Dependencies dependencies;
    private final Settings settings;
    private final JobObserver observer;
    private final LiveParameters live;

    RemovalSteps(Kernel kernel, UsageExplainer explainer, Dependencies dependencies, Settings settings, JobObserver observer,
            LiveParameters live) {
        this.kernel = kernel;
        this.live = live;
        this.explainer = explainer;
        this.dependencies = dependencies;
        this.settings = settings;
        this.observer = observer;
    }

    CompletableFuture<Outcome> run(JobRun run, JobSpec.Unload spec) {
        UnloadOptions opts = spec.options();
        List<ModuleName> used = opts.removeDependencies() ? dependenciesOf(run.module()) : List.of();
        return remove(run, opts)
                .thenCompose(removed -> removeUnused(run, used).thenApply(v -> new Outcome.Succeeded(removed, false)));
    }

    /**
     * The patient removal itself, as the first step of an unload or a reload: completes with the sentence
     * saying how the module went, or ends the run (timeout, holders, kernel error, cancel).
     */
    CompletableFuture<String> remove(JobRun run, UnloadOptions opts) {
        ModuleName name = run.module();
        if (opts.force()) {
            run.event(EventType.WARNING, "forced removal (O_TRUNC) removes " + name
                    + " even while in use and taints the kernel (taint flag R)", Map.of("taint", "R"));
        }
        run.enter(JobState.WAITING, "waiting for " + name + " to be unused",
                () -> "cancelled before it started; " + name + " is as it was");
        RefcountProbe probe = kernel.refcountProbe(name);
        long deadline = run.deadlineAfter(opts.timeout());
        Attempts attempts = new Attempts(run, opts, probe, deadline);
        return run.until(attempts::poll, deadline, settings.pollInterval(),
                        () -> "cancelled after " + run.elapsed().toMillis() + " ms; " + name + " is still loaded")
                .whenComplete((r, t) -> probe.close())
                .thenApply(removed -> {
                    String how = removed.orElseThrow(() -> new JobEnded(attempts.timedOut()));
                    live.recordRemoval(name);
                    return how;
                });
    }

    /**
     * One removal's wait: what it has seen and tried. Each poll costs one refcount read through the
     * probe; the full state (state and holders: three sysfs reads and a directory listing) is read at the
     * start, after each kernel refusal, when the probe says the module is gone, and once per progress
     * interval.
     */
    private final class Attempts {
        private final JobRun run;
        private final ModuleName name;
        private final UnloadOptions opts;
        private final RefcountProbe probe;
        private final long deadline;
        private long nextFull;
        private long nextProgress;
        private int lastRefcnt = -1;
        private int count;
        private Optional<Errno> lastRefusal = Optional.empty();
        private Optional<ModuleUsage> seen = Optional.empty();
        private final long explainEvery;
        private long nextExplain;
        private CompletableFuture<Void> explaining = CompletableFuture.completedFuture(null);
        private volatile Optional<UsageExplanation> explanation = Optional.empty();

        Attempts(JobRun run, UnloadOptions opts, RefcountProbe probe, long deadline) {
            this.run = run;
            this.deadline = deadline;
            this.name = run.module();
            this.opts = opts;
            this.probe = probe;
            this.nextFull = run.now();
            this.nextProgress = run.now() + settings.progressInterval().toNanos();
            this.explainEvery = Math.max(settings.progressInterval().toNanos(), EXPLAIN_EVERY.toNanos());
            this.nextExplain = run.now();
        }

        /**
         * While the module is in use, explains its refcount on a worker (a walk of /proc, never on the
         * poll's thread and never more often than every {@link #EXPLAIN_EVERY}); progress events and the
         * timeout's detail carry the latest explanation.
         */
        private void explainIfDue(long now, ModuleUsage u) {
            if (u.refcnt() == 0 || opts.force() || opts.timeout().isZero() || now < nextExplain || !explaining.isDone()) {
                return;
            }
            nextExplain = now + explainEvery;
            try {
                explaining = CompletableFuture.supplyAsync(() -> explainer.explain(name), run.workers())
                        .thenAccept(e -> explanation = e)
                        .exceptionally(t -> null);
            } catch (java.util.concurrent.RejectedExecutionException stopping) {
                // kmodd is stopping: the wait ends as interrupted on its own; no explanation is owed.
            }
        }

        /** The success message once the module is gone; empty to wait on. */
        Optional<String> poll() {
            long now = run.now();
            OptionalInt cheap = seen.isEmpty() || now >= nextFull ? OptionalInt.empty() : probe.read();
            ModuleUsage u;
            if (cheap.isPresent()) {
                u = new ModuleUsage(seen.get().state(), cheap.getAsInt(), seen.get().holders());
            } else {
                Optional<ModuleUsage> full = kernel.usage(name);
                if (full.isEmpty()) {
                    return Optional.of(name + " is gone: removed by another party" + (count > 0 ? " during the wait" : ""));
                }
                u = full.get();
                nextFull = now + settings.progressInterval().toNanos();
                if (!u.holders().isEmpty()) {
                    throw new JobEnded(new Outcome.Failed(Reason.IN_USE_BY_HOLDERS, name + " is held by " + ModuleName.joined(u.holders())
                            + "; waiting cannot help until they are removed (or use removeDependencies on them)"));
                }
            }
            seen = Optional.of(u);
            explainIfDue(now, u);
            if (u.refcnt() != lastRefcnt) {
                run.event(EventType.REFCNT, "refcnt of " + name + " is " + u.refcnt(), Map.of("refcnt", u.refcnt()));
                lastRefcnt = u.refcnt();
            }
            boolean ready = u.refcnt() == 0 && u.state() == ModuleState.LIVE;
            if (ready || opts.force() || opts.timeout().isZero()) {
                Optional<String> removed = attempt();
                if (removed.isPresent()) {
                    return removed;
                }
            }
            if (now >= nextProgress && now < deadline) {
                Optional<UsageExplanation> e = explanation.filter(x -> x.refcnt() == u.refcnt());
                run.progress("waiting for " + name + ": " + e.map(UsageExplanation::summary).orElse("refcnt " + u.refcnt()),
                        e.<Map<String, Object>>map(x -> Map.of("refcnt", u.refcnt(), "attempts", count, "explained", x.explained(),
                                "holding", x.holding().stream().map(h -> h.what()).toList()))
                                .orElse(Map.of("refcnt", u.refcnt(), "attempts", count)));
                nextProgress = now + settings.progressInterval().toNanos();
            }
            return Optional.empty();
        }

        /** One delete_module; the success message, or empty after a refusal worth retrying. */
        private Optional<String> attempt() {
            run.enter(JobState.RUNNING, "calling delete_module for " + name, () -> "cancelled; " + name + " is still loaded");
            count++;
            try {
                kernel.unload(name, opts.force());
                observer.kernelCall(KernelCall.DELETE_MODULE, null);
                run.event(EventType.ATTEMPT, "delete_module " + name + ": OK",
                        Map.of("call", KernelCall.DELETE_MODULE.syscall(), "errno", "OK", "attempt", count));
                return Optional.of("removed " + name + " after " + run.elapsed().toMillis() + " ms and " + count
                        + (count == 1 ? " attempt" : " attempts"));
            } catch (KernelException e) {
                observer.kernelCall(e.call(), e.errno());
                run.event(EventType.ATTEMPT, e.getMessage(),
                        Map.of("call", KernelCall.DELETE_MODULE.syscall(), "errno", e.errno(), "attempt", count));
                if (e.errno() == Errno.ENOENT) {
                    return Optional.of(name + " is gone: removed by another party during the wait");
                }
                if (e.errno() != Errno.EAGAIN && e.errno() != Errno.EBUSY) {
                    throw new JobEnded(new Outcome.Failed(Reason.KERNEL_ERROR, e.errno(), e.getMessage()));
                }
                lastRefusal = Optional.of(e.errno());
                nextFull = run.now();
                run.enter(JobState.WAITING, "the kernel refused with " + e.errno().name() + "; retrying",
                        () -> "cancelled; " + name + " is still loaded");
                return Optional.empty();
            }
        }

        /** The failure at the deadline, saying what was last seen. */
        Outcome timedOut() {
            Duration timeout = opts.timeout();
            String after = timeout.isZero() ? "on the only attempt (timeout=0)" : "after " + DurationText.format(timeout);
            ModuleUsage u = seen.orElseThrow();
            String detail;
            if (u.refcnt() > 0) {
                detail = "still in use: refcnt " + u.refcnt() + " " + after + "; " + name + " stays loaded"
                        + explanation.filter(e -> !e.holding().isEmpty())
                                .map(e -> "; last seen holding it: " + e.summary()).orElse("");
            } else if (lastRefusal.isPresent()) {
                detail = "the kernel still refuses removal (" + lastRefusal.get().name() + ") " + after + ", " + count
                        + (count == 1 ? " attempt" : " attempts") + "; " + name + " stays loaded";
            } else {
                detail = name + " was still " + u.state().wireName() + " " + after + "; it stays as it is";
            }
            return new Outcome.Failed(Reason.TIMEOUT, lastRefusal, detail);
        }
    }

    /** The modules this one uses: those whose holders include it (the kernel's own view). */
    private List<ModuleName> dependenciesOf(ModuleName name) {
        return kernel.loadedModules().stream().filter(m -> m.holders().contains(name)).map(LoadedModule::name).toList();
    }

    /** modprobe -r's second half: dependencies nothing else uses go too, each through its own lane, in turn. */
    private CompletableFuture<Void> removeUnused(JobRun run, List<ModuleName> used) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (ModuleName dep : used) {
            chain = chain.thenCompose(v -> removeOne(run, dep));
        }
        return chain;
    }

    private CompletableFuture<Void> removeOne(JobRun run, ModuleName dep) {
        Optional<ModuleUsage> u = kernel.usage(dep);
        if (u.isEmpty() || u.get().refcnt() > 0 || !u.get().holders().isEmpty()) {
            return CompletableFuture.completedFuture(null);
        }
        Job d;
        try {
            d = dependencies.unload(dep, new UnloadOptions(Duration.ZERO, false, true), run.job().id());
        } catch (RefusedException e) {
            run.event(EventType.WARNING, "dependency " + dep + " left loaded: " + e.getMessage(),
                    Map.of("module", dep.value()));
            return CompletableFuture.completedFuture(null);
        }
        run.event(EventType.DEPENDENCY, "removing unused dependency " + dep + " (job " + d.id() + ")",
                Map.of("module", dep.value(), "job", d.id()));
        // One attempt on the dependency's lane, which may first finish other work: bounded as a load step is.
        long bound = settings.loadTimeout().toSeconds();
        return run.awaitEnd(d, run.deadlineAfter(settings.loadTimeout()), settings.pollInterval(),
                "waiting for unused dependency " + dep + " to be removed", "cancelled while removing unused dependencies: "
                        + run.module() + " has been removed; " + dep + "'s removal (job " + d.id() + ") goes on by itself")
                .thenAccept(ended -> {
                    if (ended.isEmpty()) {
                        run.event(EventType.WARNING, "dependency " + dep + ": its removal (job " + d.id() + ") had not ended after "
                                + bound + " s; it goes on by itself", Map.of("module", dep.value()));
                    } else if (!ended.get().succeeded()) {
                        run.event(EventType.WARNING, "dependency " + dep + " left loaded: " + ended.get().why(),
                                Map.of("module", dep.value()));
                    }
                });
    }
}
