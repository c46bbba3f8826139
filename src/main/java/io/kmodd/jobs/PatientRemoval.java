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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Runs one unload job on its module's lane, patiently, as the kmod patient-removal series does but
 * without its growing poll interval: it reads the refcount every poll interval (20 ms by default),
 * calls delete_module(O_NONBLOCK) as soon as the count is 0, and retries the kernel's EAGAIN/EBUSY
 * refusals (refcount 0 but not removable yet) within the same deadline. Since Linux 3.13 the kernel
 * never waits inside delete_module, so all waiting happens here, on the lane thread, in a cancellable
 * sleep. Holders (other modules) make waiting pointless, so they fail the job at once.
 */
final class PatientRemoval {
    private final Kernel kernel;
    private final ModuleOperations operations;
    private final Settings settings;
    private final JobObserver observer;

    PatientRemoval(Kernel kernel, ModuleOperations operations, Settings settings, JobObserver observer) {
        this.kernel = kernel;
        this.operations = operations;
        this.settings = settings;
        this.observer = observer;
    }

    /** Returns the time spent waiting, for the metrics. */
    Duration run(Job job) {
        ModuleName name = job.module();
        UnloadOptions opts = job.unloadOptions();
        List<ModuleName> dependencies = opts.removeDependencies() ? dependenciesOf(name) : List.of();
        long start = System.nanoTime();
        try {
            String removed = remove(job, name, opts, start);
            if (removed != null) {
                if (opts.removeDependencies()) {
                    removeUnused(job, dependencies);
                }
                job.succeed(removed, false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.fail(new JobError(null, "interrupted", "kmodd is shutting down; " + name + " is still loaded"));
        }
        return LoadRunner.elapsed(start);
    }

    /** The success message once the module is gone; null when the job has ended otherwise. */
    private String remove(Job job, ModuleName name, UnloadOptions opts, long start) throws InterruptedException {
        long deadline = start + opts.timeout().toNanos();
        if (opts.force()) {
            job.event("warning", "forced removal (O_TRUNC) removes " + name
                    + " even while in use and taints the kernel (taint flag R)", Map.of("taint", "R"));
        }
        if (!job.enter(JobState.WAITING, "waiting for " + name + " to be unused")) {
            job.cancelled("cancelled before it started; " + name + " is as it was");
            return null;
        }
        try (RefcountProbe probe = kernel.refcountProbe(name)) {
            return waitAndRemove(job, name, opts, start, deadline, probe);
        }
    }

    /**
     * The wait loop. Each poll costs one refcount read through the probe; the full state (state and
     * holders: three sysfs reads and a directory listing) is read at the start, after each kernel
     * refusal, when the probe says the module is gone, and once per progress interval.
     */
    private String waitAndRemove(Job job, ModuleName name, UnloadOptions opts, long start, long deadline,
            RefcountProbe probe) throws InterruptedException {
        long nextProgress = start + settings.progressInterval().toNanos();
        long nextFull = start;
        int lastRefcnt = -1;
        int attempts = 0;
        Errno lastRefusal = null;
        ModuleUsage u = null;
        while (true) {
            OptionalInt cheap = u == null || System.nanoTime() >= nextFull ? OptionalInt.empty() : probe.read();
            if (cheap.isPresent()) {
                u = new ModuleUsage(u.state(), cheap.getAsInt(), u.holders());
            } else {
                Optional<ModuleUsage> usage = kernel.usage(name);
                if (usage.isEmpty()) {
                    return name + " is gone: removed by another party" + (attempts > 0 ? " during the wait" : "");
                }
                u = usage.get();
                nextFull = System.nanoTime() + settings.progressInterval().toNanos();
                if (!opts.force() && !u.holders().isEmpty()) {
                    job.fail(new JobError(null, "in-use-by-holders", name + " is held by " + String.join(", ", u.holders())
                            + "; waiting cannot help until they are removed (or use removeDependencies on them)"));
                    return null;
                }
            }
            if (u.refcnt() != lastRefcnt) {
                job.event("refcnt", "refcnt of " + name + " is " + u.refcnt(), Map.of("refcnt", u.refcnt()));
                lastRefcnt = u.refcnt();
            }
            boolean ready = u.refcnt() == 0 && u.state() == ModuleState.LIVE;
            if (ready || opts.force() || opts.timeout().isZero()) {
                if (!job.enter(JobState.RUNNING, "calling delete_module for " + name)) {
                    job.cancelled("cancelled; " + name + " is still loaded");
                    return null;
                }
                attempts++;
                try {
                    kernel.unload(name, opts.force());
                    observer.kernelCall(KernelCall.DELETE_MODULE, null);
                    job.event("attempt", "delete_module " + name + ": OK", Map.of("call", "delete_module", "errno", "OK",
                            "attempt", attempts));
                    return "removed " + name + " after " + millis(start) + " ms and " + attempts
                            + (attempts == 1 ? " attempt" : " attempts");
                } catch (KernelException e) {
                    observer.kernelCall(e.call(), e.errno());
                    job.event("attempt", e.getMessage(), Map.of("call", "delete_module", "errno", e.errno().name(),
                            "attempt", attempts));
                    if (e.errno() == Errno.ENOENT) {
                        return name + " is gone: removed by another party during the wait";
                    }
                    if (e.errno() != Errno.EAGAIN && e.errno() != Errno.EBUSY) {
                        job.fail(new JobError(e.errno().name(), "kernel-error", e.getMessage()));
                        return null;
                    }
                    lastRefusal = e.errno();
                    nextFull = 0;
                    if (!job.enter(JobState.WAITING, "the kernel refused with " + e.errno().name() + "; retrying")) {
                        job.cancelled("cancelled; " + name + " is still loaded");
                        return null;
                    }
                }
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                job.fail(new JobError(lastRefusal == null ? null : lastRefusal.name(), "timeout",
                        timeoutReason(name, u, opts.timeout(), attempts, lastRefusal)));
                return null;
            }
            if (now >= nextProgress) {
                job.progress(Duration.ofNanos(now - start), "waiting for " + name + ": refcnt " + u.refcnt(),
                        Map.of("refcnt", u.refcnt(), "attempts", attempts));
                nextProgress = now + settings.progressInterval().toNanos();
            }
            Duration sleep = Duration.ofNanos(Math.min(settings.pollInterval().toNanos(), deadline - now));
            if (job.pause(sleep)) {
                job.cancelled("cancelled after " + millis(start) + " ms; " + name + " is still loaded");
                return null;
            }
        }
    }

    private static String timeoutReason(ModuleName name, ModuleUsage u, Duration timeout, int attempts,
            Errno lastRefusal) {
        String after = timeout.isZero() ? "on the only attempt (timeout=0)" : "after " + DurationText.format(timeout);
        if (u.refcnt() > 0) {
            return "still in use: refcnt " + u.refcnt() + " " + after + "; " + name + " stays loaded";
        }
        if (lastRefusal != null) {
            return "the kernel still refuses removal (" + lastRefusal.name() + ") " + after + ", " + attempts
                    + (attempts == 1 ? " attempt" : " attempts") + "; " + name + " stays loaded";
        }
        return name + " was still " + u.state().wireName() + " " + after + "; it stays as it is";
    }

    /** The modules this one uses: those whose holders include it (the kernel's own view). */
    private List<ModuleName> dependenciesOf(ModuleName name) {
        List<ModuleName> deps = new ArrayList<>();
        for (LoadedModule m : kernel.loadedModules()) {
            if (m.holders().stream().anyMatch(h -> h.replace('-', '_').equals(name.value()))) {
                deps.add(m.name());
            }
        }
        return deps;
    }

    /** modprobe -r's second half: dependencies nothing else uses go too, each through its own lane. */
    private void removeUnused(Job job, List<ModuleName> dependencies) {
        for (ModuleName dep : dependencies) {
            Optional<ModuleUsage> u = kernel.usage(dep);
            if (u.isEmpty() || u.get().refcnt() > 0 || !u.get().holders().isEmpty()) {
                continue;
            }
            Job d;
            try {
                d = operations.unloadDependency(dep, new UnloadOptions(Duration.ZERO, false, true), job.id());
            } catch (RefusedException e) {
                job.event("warning", "dependency " + dep + " left loaded: " + e.getMessage(), Map.of("module", dep.value()));
                continue;
            }
            job.event("dependency", "removing unused dependency " + dep + " (job " + d.id() + ")",
                    Map.of("module", dep.value(), "job", d.id()));
            Job ended = d.completion().join();
            if (ended.state() != JobState.SUCCEEDED) {
                JobSnapshot s = ended.snapshot();
                job.event("warning", "dependency " + dep + " left loaded: "
                        + (s.error() == null ? s.state() : s.error().detail()), Map.of("module", dep.value()));
            }
        }
    }

    private static long millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
