package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelCall;
import io.kmodd.kernel.KernelException;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterConflict;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Runs one load job on its module's lane: dependencies first, each through its own lane, then one
 * finit_module. The kernel's answers to racing loaders are handled here: EEXIST or EBUSY with the module
 * live means someone else loaded it (success); with it coming or going under an outside loader (udev,
 * modprobe) the job waits for /sys/module/M/initstate to settle and then decides, within the job's
 * deadline; with no module there at all, the module's own init failed (since Linux 7.1 an init's -EEXIST
 * is answered as EBUSY, and drivers return EBUSY from init) or a racer's copy went just then: one more
 * call tells them apart, and a second such answer fails the job as init-failed at once. Soft
 * post-dependencies are started once the module is in and not waited for. Steps run on the workers and
 * waits on the ticker (see {@link JobRun#until}); finit_module itself blocks a worker for as long as the
 * module's init takes. Thread-safe (stateless).
 */
final class LoadSteps {
    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(LoadSteps.class);
    /** How an outside loader's EBUSY settled. */
    private enum Settled { LIVE, GONE }

    private final Kernel kernel;
    private final Dependencies dependencies;
    private final Settings settings;
    private final JobObserver observer;
    private final LiveParameters live;

    LoadSteps(Kernel kernel, Dependencies dependencies, Settings settings, JobObserver observer, LiveParameters live) {
        this.kernel = kernel;
        this.live = live;
        this.dependencies = dependencies;
        this.settings = settings;
        this.observer = observer;
    }

    CompletableFuture<Outcome> run(JobRun run, JobSpec.Load spec) {
        ResolvedModule target = spec.target();
        ModuleName name = target.name();
        // From now, not from the job's start: a reload's load comes after its removal's wait.
        long deadline = run.now() + settings.loadTimeout().toNanos();
        run.enter(JobState.RUNNING, "loading " + name, () -> "cancelled before it started; " + name + " is as it was");
        if (kernel.isLive(name)) {
            return done(alreadyThere(spec, " is already loaded"));
        }
        if (target.hasInstallCommand()) {
            run.event(EventType.WARNING, "modprobe.d has an install command for " + name
                    + "; kmodd never runs shell commands and loads the module file itself", Map.of());
        }
        return loadAll(run, target.softPre(), false, deadline)
                .thenCompose(v -> loadAll(run, target.dependencies(), true, deadline))
                .thenCompose(v -> finit(run, spec, deadline))
                .thenApply(loaded -> {
                    if (loaded.state() == JobState.SUCCEEDED && !target.softPost().isEmpty()) {
                        // After the outcome, as modprobe does: they never change or delay this job's answer.
                        run.workers().execute(() -> startSoftPost(run, target.softPost()));
                    }
                    return loaded;
                });
    }

    private static <T> CompletableFuture<T> done(T value) {
        return CompletableFuture.completedFuture(value);
    }

    /**
     * The outcome for a module that was live before this job loaded it: success when the request named no
     * parameters or every requested value is confirmed in force; otherwise a parameter conflict, never a
     * success that did not apply them.
     */
    private Outcome alreadyThere(JobSpec.Load spec, String how) {
        ModuleName name = spec.target().name();
        if (spec.parameters().isEmpty()) {
            return new Outcome.Succeeded(name + how, true);
        }
        Map<String, String> wanted = spec.parameters().asMap();
        ParameterConflict c = live.check(name, wanted).orElseGet(() ->
                new ParameterConflict(wanted, Map.of(), null, null, List.of(), List.copyOf(wanted.keySet())));
        if (c.none()) {
            return new Outcome.Succeeded(name + how + "; the requested parameters are in force", true);
        }
        return Outcome.Failed.conflict(name.value(), c);
    }

    /** Loads each module through its own lane, in order; a required one that fails ends the run. */
    private CompletableFuture<Void> loadAll(JobRun run, List<ModuleName> modules, boolean required, long deadline) {
        CompletableFuture<Void> chain = done(null);
        for (ModuleName dep : modules) {
            chain = chain.thenCompose(v -> loadOne(run, dep, required, deadline));
        }
        return chain;
    }

    private CompletableFuture<Void> loadOne(JobRun run, ModuleName dep, boolean required, long deadline) {
        String kind = required ? "dependency" : "soft dependency";
        if (kernel.isLive(dep) || kernel.isBuiltin(dep)) {
            return done(null);
        }
        Optional<Job> queued;
        try {
            queued = dependencies.load(dep, run.job().id());
        } catch (RefusedException e) {
            if (!required) {
                run.event(EventType.WARNING, kind + " " + dep + " skipped: " + e.getMessage(), Map.of("module", dep.value()));
                return done(null);
            }
            throw new JobEnded(new Outcome.Failed(Reason.DEPENDENCY_FAILED,
                    "dependency " + dep + " cannot be loaded: " + e.getMessage()));
        }
        if (queued.isEmpty()) {
            return done(null);
        }
        Job d = queued.get();
        run.event(EventType.DEPENDENCY, "loading " + kind + " " + dep + " (job " + d.id() + ")",
                Map.of("module", dep.value(), "job", d.id()));
        return awaitOther(run, d, deadline).thenAccept(s -> {
            if (!s.succeeded()) {
                String why = s.why();
                if (!required) {
                    run.event(EventType.WARNING, kind + " " + dep + " was not loaded: " + why, Map.of("module", dep.value()));
                    return;
                }
                throw new JobEnded(new Outcome.Failed(Reason.DEPENDENCY_FAILED,
                        Optional.ofNullable(s.error()).map(JobError::errno), "dependency " + dep + " failed: " + why));
            }
        });
    }

    /** Starts the soft post-dependencies on their own lanes; their outcomes do not change this job's. */
    private void startSoftPost(JobRun run, List<ModuleName> modules) {
        for (ModuleName dep : modules) {
            try {
                if (kernel.isLive(dep) || kernel.isBuiltin(dep)) {
                    continue;
                }
                dependencies.load(dep, run.job().id()).ifPresent(d -> run.event(EventType.DEPENDENCY,
                        "loading soft dependency " + dep + " (job " + d.id() + ")",
                        Map.of("module", dep.value(), "job", d.id())));
            } catch (RuntimeException e) {
                LOG.warnf("soft dependency %s of %s not loaded: %s", dep, run.module(), e.getMessage());
            }
        }
    }

    /** Waits for another lane's job to end and returns it as it ended. */
    private CompletableFuture<JobSnapshot> awaitOther(JobRun run, Job other, long deadline) {
        return run.awaitEnd(other, deadline, settings.pollInterval(), "waiting for " + other.module())
                .thenApply(ended -> ended.orElseThrow(() -> new JobEnded(new Outcome.Failed(
                        Reason.TIMEOUT, "dependency " + other.module() + " was not loaded within "
                                + settings.loadTimeout().toSeconds() + " s"))));
    }

    /** The finit_module loop: retried after an outside loader's EBUSY settles with the module gone. */
    private CompletableFuture<Outcome> finit(JobRun run, JobSpec.Load spec, long deadline) {
        return finit(run, spec, deadline, 1, false);
    }

    /** @param retriedAbsent the previous call was refused with no module present, and this is its one retry */
    private CompletableFuture<Outcome> finit(JobRun run, JobSpec.Load spec, long deadline, int attempt, boolean retriedAbsent) {
        ResolvedModule target = spec.target();
        ModuleName name = target.name();
        String args = spec.parameters().toKernelArgs(target.options());
        run.enter(JobState.RUNNING, "calling finit_module for " + name, () -> "cancelled; " + name + " was not loaded");
        try {
            KernelCall call = kernel.load(target, args);
            observer.kernelCall(call, null);
            run.event(EventType.ATTEMPT, call.syscall() + " " + name + ": OK",
                    Map.of("call", call.syscall(), "errno", "OK", "attempt", attempt));
            return done(applied(spec, args));
        } catch (KernelException e) {
            observer.kernelCall(e.call(), e.errno());
            run.event(EventType.ATTEMPT, e.getMessage(),
                    Map.of("call", e.call().syscall(), "errno", e.errno(), "attempt", attempt));
            switch (e.errno()) {
                case EEXIST, EBUSY:
                    return raced(run, spec, deadline, attempt, retriedAbsent, e.errno());
                default:
                    return done(new Outcome.Failed(Reason.KERNEL_ERROR, e.errno(), withRestrictions(e)));
            }
        }
    }

    /**
     * After EEXIST or EBUSY, what the kernel shows decides: live (another loader won), coming or going
     * (wait for it to settle, then decide again by loading), or nothing. The kernel has already removed a
     * module whose init failed when it answers, so nothing there twice running is the init's failure, never
     * a race to wait out.
     */
    private CompletableFuture<Outcome> raced(JobRun run, JobSpec.Load spec, long deadline, int attempt, boolean retriedAbsent,
            Errno errno) {
        ModuleName name = spec.target().name();
        String meanwhile = " was loaded meanwhile by another loader";
        Optional<ModuleUsage> now = kernel.usage(name);
        if (now.isPresent() && now.get().state() == ModuleState.LIVE) {
            return done(alreadyThere(spec, meanwhile));
        }
        if (now.isPresent()) {
            // The outside loader's module went live (we are done) or away (load it ourselves).
            return settle(run, name, deadline).thenCompose(s -> s == Settled.LIVE ? done(alreadyThere(spec, meanwhile))
                    : finit(run, spec, deadline, attempt + 1, false));
        }
        if (!retriedAbsent) {
            return finit(run, spec, deadline, attempt + 1, true);
        }
        return done(new Outcome.Failed(Reason.INIT_FAILED, errno, "init of " + name + " failed: the kernel answered "
                + errno + " twice with no " + name + " loaded, so the module's own init function returned an error"
                + (errno == Errno.EBUSY ? " (EBUSY, or EEXIST, which Linux 7.1+ answers as EBUSY)" : "")
                + "; the kernel log (dmesg) has the module's own message"));
    }

    /**
     * The outcome of a load the kernel answered with success. Since Linux 6.5 the kernel merges concurrent
     * finit_module calls of one file and answers them all with the first caller's result, having applied
     * that caller's parameters only: so the values the kernel shows are checked before the success is
     * told or recorded.
     */
    private Outcome applied(JobSpec.Load spec, String args) {
        ModuleName name = spec.target().name();
        Optional<ParameterConflict> c = spec.parameters().isEmpty() ? Optional.empty() : live.check(name, spec.parameters().asMap());
        if (c.isPresent() && !c.get().differ().isEmpty()) {
            ParameterConflict conflict = c.get();
            return new Outcome.Failed(Reason.PARAMETER_CONFLICT, Optional.empty(), "the kernel answered success, but "
                    + conflict.describe(name.value()) + " (since Linux 6.5 the kernel merges concurrent loads of one module"
                    + " file and applies only the first caller's parameters)", c);
        }
        live.recordLoad(name, spec.effectiveParams());
        return new Outcome.Succeeded("loaded " + name + (args.isEmpty() ? "" : " with " + args), false);
    }

    /** A refusal that lockdown or signature enforcement may explain says so. */
    private String withRestrictions(KernelException e) {
        if (e.errno().mayBeRestriction()) {
            String r = kernel.support().restrictions();
            return r.isEmpty() ? e.getMessage() : e.getMessage() + " (" + r + ")";
        }
        return e.getMessage();
    }

    /** After EBUSY: waits until the other loader's module is live or gone, polling initstate. */
    private CompletableFuture<Settled> settle(JobRun run, ModuleName name, long deadline) {
        String onCancel = "cancelled; " + name + " was not loaded by this job";
        run.enter(JobState.WAITING, "another loader holds " + name + " coming or going; waiting for it to settle",
                () -> onCancel);
        ModuleState[] last = {ModuleState.COMING};
        return run.until(() -> {
            Optional<ModuleUsage> u = kernel.usage(name);
            if (u.isEmpty()) {
                return Optional.of(Settled.GONE);
            }
            last[0] = u.get().state();
            return last[0] == ModuleState.LIVE ? Optional.of(Settled.LIVE) : Optional.empty();
        }, deadline, settings.pollInterval(), () -> onCancel).thenApply(settled -> settled.orElseThrow(() -> new JobEnded(
                new Outcome.Failed(Reason.TIMEOUT, Errno.EBUSY, name + " was still " + last[0].wireName()
                        + " under another loader after " + settings.loadTimeout().toSeconds() + " s"))));
    }

}
