package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolvedModule;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one load job on its module's lane: dependencies first, each through its own lane, then one
 * finit_module. The kernel's answers to racing loaders are handled here: EEXIST means someone else
 * loaded it (success); EBUSY means an outside loader (udev, modprobe) has it coming or going, so the
 * job waits for /sys/module/M/initstate to settle and then decides, within the job's deadline. Soft
 * post-dependencies are started once the module is in and not waited for. Thread-safe (stateless).
 */
final class LoadRunner {
    /** How an outside loader's EBUSY settled. */
    private enum Settled { LIVE, GONE }

    private final Kernel kernel;
    private final Dependencies dependencies;
    private final Settings settings;
    private final JobObserver observer;

    LoadRunner(Kernel kernel, Dependencies dependencies, Settings settings, JobObserver observer) {
        this.kernel = kernel;
        this.dependencies = dependencies;
        this.settings = settings;
        this.observer = observer;
    }

    Outcome run(JobRun run, JobSpec.Load spec) throws JobEnded, InterruptedException {
        ResolvedModule target = spec.target();
        ModuleName name = target.name();
        long deadline = run.deadlineAfter(settings.loadTimeout());
        run.enter(JobState.RUNNING, "loading " + name, () -> "cancelled before it started; " + name + " is as it was");
        if (isLive(name)) {
            return new Outcome.Succeeded(name + " is already loaded" + unapplied(spec), true);
        }
        if (target.hasInstallCommand()) {
            run.event(EventType.WARNING, "modprobe.d has an install command for " + name
                    + "; kmodd never runs shell commands and loads the module file itself", Map.of());
        }
        loadAll(run, target.softPre(), false, deadline);
        loadAll(run, target.dependencies(), true, deadline);
        Outcome loaded = finit(run, spec, deadline);
        if (loaded.state() == JobState.SUCCEEDED) {
            startSoftPost(run, target.softPost());
        }
        return loaded;
    }

    private static String unapplied(JobSpec.Load spec) {
        return spec.parameters().isEmpty() ? ""
                : "; the requested parameters were not applied (unload it first to load it with new ones)";
    }

    /** Loads each module through its own lane, in order; a required one that fails ends the run. */
    private void loadAll(JobRun run, List<ModuleName> modules, boolean required, long deadline)
            throws JobEnded, InterruptedException {
        String kind = required ? "dependency" : "soft dependency";
        for (ModuleName dep : modules) {
            if (isLive(dep) || kernel.isBuiltin(dep)) {
                continue;
            }
            Optional<Job> queued;
            try {
                queued = dependencies.load(dep, run.job().id());
            } catch (RefusedException e) {
                if (!required) {
                    run.event(EventType.WARNING, kind + " " + dep + " skipped: " + e.getMessage(),
                            Map.of("module", dep.value()));
                    continue;
                }
                throw new JobEnded(new Outcome.Failed(Reason.DEPENDENCY_FAILED,
                        "dependency " + dep + " cannot be loaded: " + e.getMessage()));
            }
            if (queued.isEmpty()) {
                continue;
            }
            Job d = queued.get();
            run.event(EventType.DEPENDENCY, "loading " + kind + " " + dep + " (job " + d.id() + ")",
                    Map.of("module", dep.value(), "job", d.id()));
            JobSnapshot s = awaitOther(run, d, deadline);
            if (!s.state().equals(JobState.SUCCEEDED.wireName())) {
                String why = s.error() == null ? s.state() : s.error().detail();
                if (!required) {
                    run.event(EventType.WARNING, kind + " " + dep + " was not loaded: " + why,
                            Map.of("module", dep.value()));
                    continue;
                }
                throw new JobEnded(new Outcome.Failed(Reason.DEPENDENCY_FAILED,
                        Optional.ofNullable(s.error()).map(JobError::errno), "dependency " + dep + " failed: " + why));
            }
        }
    }

    /** Starts the soft post-dependencies on their own lanes; their outcomes do not change this job's. */
    private void startSoftPost(JobRun run, List<ModuleName> modules) {
        for (ModuleName dep : modules) {
            if (isLive(dep) || kernel.isBuiltin(dep)) {
                continue;
            }
            try {
                dependencies.load(dep, run.job().id()).ifPresent(d -> run.event(EventType.DEPENDENCY,
                        "loading soft dependency " + dep + " (job " + d.id() + ")",
                        Map.of("module", dep.value(), "job", d.id())));
            } catch (RefusedException e) {
                run.event(EventType.WARNING, "soft dependency " + dep + " skipped: " + e.getMessage(),
                        Map.of("module", dep.value()));
            }
        }
    }

    /** Waits for another lane's job to end and returns it as it ended. */
    private JobSnapshot awaitOther(JobRun run, Job other, long deadline) throws JobEnded, InterruptedException {
        String onCancel = "cancelled while waiting for " + other.module() + "; that job goes on by itself";
        run.enter(JobState.WAITING, "waiting for " + other.module(), () -> onCancel);
        Optional<Job> ended = run.until(() -> Optional.of(other).filter(o -> o.completion().isDone()), deadline,
                settings.pollInterval(), () -> onCancel);
        return ended.map(Job::snapshot).orElseThrow(() -> new JobEnded(new Outcome.Failed(Reason.TIMEOUT,
                "dependency " + other.module() + " was not loaded within " + settings.loadTimeout().toSeconds() + " s")));
    }

    /** The finit_module loop: retried after an outside loader's EBUSY settles with the module gone. */
    private Outcome finit(JobRun run, JobSpec.Load spec, long deadline) throws JobEnded, InterruptedException {
        ResolvedModule target = spec.target();
        ModuleName name = target.name();
        String args = spec.parameters().toKernelArgs(target.options());
        int attempt = 0;
        while (true) {
            run.enter(JobState.RUNNING, "calling finit_module for " + name, () -> "cancelled; " + name + " was not loaded");
            attempt++;
            try {
                kernel.load(target, args);
                observer.kernelCall(KernelCall.FINIT_MODULE, null);
                run.event(EventType.ATTEMPT, "finit_module " + name + ": OK",
                        Map.of("call", KernelCall.FINIT_MODULE.syscall(), "errno", "OK", "attempt", attempt));
                return new Outcome.Succeeded("loaded " + name + (args.isEmpty() ? "" : " with " + args), false);
            } catch (KernelException e) {
                observer.kernelCall(e.call(), e.errno());
                run.event(EventType.ATTEMPT, e.getMessage(),
                        Map.of("call", e.call().syscall(), "errno", e.errno(), "attempt", attempt));
                switch (e.errno()) {
                    case EEXIST:
                        return new Outcome.Succeeded(name + " was loaded meanwhile by another loader" + unapplied(spec), true);
                    case EBUSY:
                        if (settle(run, name, deadline) == Settled.LIVE) {
                            return new Outcome.Succeeded(name + " was loaded meanwhile by another loader" + unapplied(spec),
                                    true);
                        }
                        break;
                    default:
                        return new Outcome.Failed(Reason.KERNEL_ERROR, e.errno(), withRestrictions(e));
                }
            }
        }
    }

    /** A refusal that lockdown or signature enforcement may explain says so. */
    private String withRestrictions(KernelException e) {
        if (e.errno() == Errno.EPERM || e.errno() == Errno.EKEYREJECTED || e.errno() == Errno.EACCES) {
            String r = kernel.support().restrictions();
            return r.isEmpty() ? e.getMessage() : e.getMessage() + " (" + r + ")";
        }
        return e.getMessage();
    }

    /** After EBUSY: waits until the other loader's module is live or gone, polling initstate. */
    private Settled settle(JobRun run, ModuleName name, long deadline) throws JobEnded, InterruptedException {
        String onCancel = "cancelled; " + name + " was not loaded by this job";
        run.enter(JobState.WAITING, "another loader holds " + name + " coming or going; waiting for it to settle",
                () -> onCancel);
        ModuleState[] last = {ModuleState.COMING};
        Optional<Settled> settled = run.until(() -> {
            Optional<ModuleUsage> u = kernel.usage(name);
            if (u.isEmpty()) {
                return Optional.of(Settled.GONE);
            }
            last[0] = u.get().state();
            return last[0] == ModuleState.LIVE ? Optional.of(Settled.LIVE) : Optional.empty();
        }, deadline, settings.pollInterval(), () -> onCancel);
        return settled.orElseThrow(() -> new JobEnded(new Outcome.Failed(Reason.TIMEOUT, Errno.EBUSY, name + " was still "
                + last[0].wireName() + " under another loader after " + settings.loadTimeout().toSeconds() + " s")));
    }

    private boolean isLive(ModuleName name) {
        return kernel.usage(name).map(u -> u.state() == ModuleState.LIVE).orElse(false);
    }
}
