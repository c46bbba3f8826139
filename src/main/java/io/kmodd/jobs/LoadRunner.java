package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolvedModule;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one load job on its module's lane: dependencies first, each through its own lane, then one
 * finit_module. The kernel's answers to racing loaders are handled here: EEXIST means someone else
 * loaded it (success); EBUSY means an outside loader (udev, modprobe) has it coming or going, so the
 * job waits for /sys/module/M/initstate to settle and then decides, within the job's deadline.
 */
final class LoadRunner {
    private final Kernel kernel;
    private final ModuleOperations operations;
    private final Settings settings;
    private final JobObserver observer;

    LoadRunner(Kernel kernel, ModuleOperations operations, Settings settings, JobObserver observer) {
        this.kernel = kernel;
        this.operations = operations;
        this.settings = settings;
        this.observer = observer;
    }

    void run(Job job, ResolvedModule target) {
        long start = System.nanoTime();
        long deadline = start + settings.loadTimeout().toNanos();
        ModuleName name = target.name();
        if (!job.enter(JobState.RUNNING, "loading " + name)) {
            job.cancelled("cancelled before it started; " + name + " is as it was");
            return;
        }
        if (isLive(name)) {
            job.succeed(name + " is already loaded" + unappliedParams(job), true);
            return;
        }
        if (target.hasInstallCommand()) {
            job.event("warning", "modprobe.d has an install command for " + name
                    + "; kmodd never runs shell commands and loads the module file itself", Map.of());
        }
        if (!loadAll(job, target.softPre(), false, deadline) || !loadAll(job, target.dependencies(), true, deadline)) {
            return;
        }
        if (finit(job, target, deadline)) {
            loadAll(job, target.softPost(), false, deadline);
        }
    }

    private String unappliedParams(Job job) {
        return job.params().isEmpty() ? ""
                : "; the requested parameters were not applied (unload it first to load it with new ones)";
    }

    /** Loads each module through its own lane, in order. False (and the job ended) if a required one failed. */
    private boolean loadAll(Job job, List<ModuleName> modules, boolean required, long deadline) {
        for (ModuleName dep : modules) {
            if (isLive(dep) || kernel.isBuiltin(dep)) {
                continue;
            }
            String kind = required ? "dependency" : "soft dependency";
            Optional<Job> depJob;
            try {
                depJob = operations.loadDependency(dep, job.id());
            } catch (RefusedException e) {
                if (!required) {
                    job.event("warning", kind + " " + dep + " skipped: " + e.getMessage(), Map.of("module", dep.value()));
                    continue;
                }
                job.fail(new JobError(null, "dependency-failed", "dependency " + dep + " cannot be loaded: " + e.getMessage()));
                return false;
            }
            if (depJob.isEmpty()) {
                continue;
            }
            Job d = depJob.get();
            job.event("dependency", "loading " + kind + " " + dep + " (job " + d.id() + ")",
                    Map.of("module", dep.value(), "job", d.id()));
            JobState end = awaitOther(job, d, deadline);
            if (end == null) {
                return false;
            }
            if (end != JobState.SUCCEEDED) {
                JobSnapshot s = d.snapshot();
                String why = s.error() == null ? end.wireName() : s.error().detail();
                if (!required) {
                    job.event("warning", kind + " " + dep + " was not loaded: " + why, Map.of("module", dep.value()));
                    continue;
                }
                job.fail(new JobError(s.error() == null ? null : s.error().errno(), "dependency-failed",
                        "dependency " + dep + " failed: " + why));
                return false;
            }
        }
        return true;
    }

    /** Waits for another lane's job; null (and this job ended) when cancelled or past the deadline. */
    private JobState awaitOther(Job job, Job other, long deadline) {
        if (!job.enter(JobState.WAITING, "waiting for " + other.module())) {
            job.cancelled("cancelled while waiting for " + other.module() + "; that job goes on by itself");
            return null;
        }
        try {
            while (!other.completion().isDone()) {
                if (System.nanoTime() >= deadline) {
                    job.fail(new JobError(null, "timeout", "dependency " + other.module() + " was not loaded within "
                            + settings.loadTimeout().toSeconds() + " s"));
                    return null;
                }
                if (job.pause(settings.pollInterval())) {
                    job.cancelled("cancelled while waiting for " + other.module() + "; that job goes on by itself");
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.fail(new JobError(null, "interrupted", "kmodd is shutting down"));
            return null;
        }
        return other.state();
    }

    /** The finit_module loop. True when the module ended up loaded. */
    private boolean finit(Job job, ResolvedModule target, long deadline) {
        ModuleName name = target.name();
        String args = job.params().toKernelArgs(target.options());
        int attempt = 0;
        while (true) {
            if (!job.enter(JobState.RUNNING, "calling finit_module for " + name)) {
                job.cancelled("cancelled; " + name + " was not loaded");
                return false;
            }
            attempt++;
            try {
                kernel.load(target, args);
                observer.kernelCall(KernelCall.FINIT_MODULE, null);
                job.event("attempt", "finit_module " + name + ": OK", Map.of("call", "finit_module", "errno", "OK",
                        "attempt", attempt));
                job.succeed("loaded " + name + (args.isEmpty() ? "" : " with " + args), false);
                return true;
            } catch (KernelException e) {
                observer.kernelCall(e.call(), e.errno());
                job.event("attempt", e.getMessage(), Map.of("call", e.call().syscall(), "errno", e.errno().name(),
                        "attempt", attempt));
                if (e.errno() == Errno.EEXIST) {
                    job.succeed(name + " was loaded meanwhile by another loader" + unappliedParams(job), true);
                    return true;
                }
                if (e.errno() != Errno.EBUSY) {
                    String why = e.getMessage();
                    if (e.errno() == Errno.EPERM || e.errno() == Errno.EKEYREJECTED || e.errno() == Errno.EACCES) {
                        String r = kernel.support().restrictions();
                        why = r.isEmpty() ? why : why + " (" + r + ")";
                    }
                    job.fail(new JobError(e.errno().name(), "kernel-error", why));
                    return false;
                }
                Boolean live = settle(job, name, deadline);
                if (live == null) {
                    return false;
                }
                if (live) {
                    job.succeed(name + " was loaded meanwhile by another loader" + unappliedParams(job), true);
                    return true;
                }
            }
        }
    }

    /**
     * After EBUSY: waits until the other loader's module is live (true) or gone (false), polling
     * initstate. Null when the job ended (cancelled or deadline).
     */
    private Boolean settle(Job job, ModuleName name, long deadline) {
        if (!job.enter(JobState.WAITING, "another loader holds " + name + " coming or going; waiting for it to settle")) {
            job.cancelled("cancelled; " + name + " was not loaded by this job");
            return null;
        }
        try {
            while (true) {
                Optional<ModuleUsage> u = kernel.usage(name);
                if (u.isEmpty()) {
                    return false;
                }
                if (u.get().state() == ModuleState.LIVE) {
                    return true;
                }
                if (System.nanoTime() >= deadline) {
                    job.fail(new JobError(Errno.EBUSY.name(), "timeout", name + " was still "
                            + u.get().state().wireName() + " under another loader after "
                            + settings.loadTimeout().toSeconds() + " s"));
                    return null;
                }
                if (job.pause(settings.pollInterval())) {
                    job.cancelled("cancelled; " + name + " was not loaded by this job");
                    return null;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.fail(new JobError(null, "interrupted", "kmodd is shutting down"));
            return null;
        }
    }

    private boolean isLive(ModuleName name) {
        return kernel.usage(name).map(u -> u.state() == ModuleState.LIVE).orElse(false);
    }

    static Duration elapsed(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
