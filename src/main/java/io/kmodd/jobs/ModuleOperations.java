package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.kernel.ResolutionException;
import io.kmodd.kernel.ResolvedModule;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The entry point for every write: loads, unloads and cancels. It refuses what can be refused at once
 * (bad state of the kernel, unknown modules, holders), answers already-loaded modules without a kernel
 * call, and otherwise hands the work to the module's lane, where parallel requests merge. Thread-safe.
 */
public final class ModuleOperations implements AutoCloseable {
    private final Kernel kernel;
    private final JobRegistry registry;
    private final Lanes lanes;
    private final Clock clock;
    private final JobObserver observer;
    private final LoadRunner loader;
    private final PatientRemoval remover;
    private final ModulePolicy policy;

    public ModuleOperations(Kernel kernel, JobRegistry registry, Settings settings, JobObserver observer, Clock clock) {
        this(kernel, registry, settings, observer, clock, ModulePolicy.ALLOW_ALL);
    }

    public ModuleOperations(Kernel kernel, JobRegistry registry, Settings settings, JobObserver observer, Clock clock,
            ModulePolicy policy) {
        this.policy = policy;
        this.kernel = kernel;
        this.registry = registry;
        this.lanes = new Lanes(settings.laneCapacity());
        this.clock = clock;
        this.observer = observer;
        this.loader = new LoadRunner(kernel, this, settings, observer);
        this.remover = new PatientRemoval(kernel, this, settings, observer);
    }

    /**
     * The answer to a load request: either the module was already there (no job, no kernel call), or a
     * job, new or joined.
     */
    public record LoadTicket(ModuleName module, Job job, boolean joined, boolean alreadyLoaded, boolean builtin) {
    }

    public LoadTicket load(ModuleName requested, ModuleParameters params) {
        return load(requested, params, false);
    }

    /** @param ignoreBlacklist load even when modprobe.d blacklists it (the caller checked the admin role) */
    public LoadTicket load(ModuleName requested, ModuleParameters params, boolean ignoreBlacklist) {
        policy.check(requested, "loading");
        // A load already queued or running with the same parameters is joined first: it passed every check
        // below when it was made, and a merged request then costs no kernel read and no module resolution.
        Optional<Lane.Submission> joined = lanes.existing(requested)
                .flatMap(lane -> lane.tryJoin(Operation.LOAD, sameParams(params)));
        if (joined.isPresent()) {
            observer.merged(Operation.LOAD);
            return new LoadTicket(requested, joined.get().job(), true, false, false);
        }
        requireWritable();
        if (kernel.isBuiltin(requested)) {
            return new LoadTicket(requested, null, false, true, true);
        }
        if (!lanes.busy(requested) && isLive(requested)) {
            return new LoadTicket(requested, null, false, true, false);
        }
        ResolvedModule target = resolveOne(requested);
        if (target.builtin()) {
            return new LoadTicket(target.name(), null, false, true, true);
        }
        policy.check(target.name(), "loading");
        if (target.blacklisted() && !ignoreBlacklist) {
            throw new RefusedException(Refusal.BLACKLISTED, target.name()
                    + " is blacklisted in modprobe.d; remove the blacklist entry, or load it as admin with ignoreBlacklist=true");
        }
        Lane.Submission s = submitLoad(target, params, null);
        return new LoadTicket(target.name(), s.job(), s.joined(), false, false);
    }

    /** A dependency load for another job; empty when the dependency is already loaded or built in. */
    Optional<Job> loadDependency(ModuleName dep, String parentId) {
        policy.check(dep, "loading (as a dependency)");
        ResolvedModule target = resolveOne(dep);
        if (target.builtin()) {
            return Optional.empty();
        }
        return Optional.of(submitLoad(target, ModuleParameters.NONE, parentId).job());
    }

    private Lane.Submission submitLoad(ResolvedModule target, ModuleParameters params, String parentId) {
        Lane.Submission s = lanes.of(target.name()).submit(Operation.LOAD, sameParams(params),
                () -> newJob(target.name(), Operation.LOAD, params, UnloadOptions.NONE, parentId),
                job -> runSafely(job, () -> {
                    loader.run(job, target);
                    return Duration.ZERO;
                }));
        if (s.joined()) {
            observer.merged(Operation.LOAD);
        }
        return s;
    }

    private static java.util.function.Predicate<Job> sameParams(ModuleParameters params) {
        return tail -> tail.params().equals(params);
    }

    public record UnloadTicket(Job job, boolean joined) {
    }

    public UnloadTicket unload(ModuleName name, UnloadOptions options) {
        policy.check(name, "removing");
        requireWritable();
        if (!lanes.busy(name)) {
            Optional<ModuleUsage> usage = kernel.usage(name);
            if (usage.isEmpty()) {
                throw new RefusedException(Refusal.NOT_FOUND, kernel.isBuiltin(name)
                        ? name + " is built into the kernel and cannot be removed"
                        : name + " is not loaded");
            }
            if (!options.force() && !usage.get().holders().isEmpty()) {
                throw new RefusedException(Refusal.IN_USE_BY_HOLDERS, name + " is used by "
                        + String.join(", ", usage.get().holders())
                        + "; waiting cannot help until they are removed first");
            }
        }
        Lane.Submission s = submitUnload(name, options, null);
        return new UnloadTicket(s.job(), s.joined());
    }

    Job unloadDependency(ModuleName dep, UnloadOptions options, String parentId) {
        policy.check(dep, "removing (as an unused dependency)");
        return submitUnload(dep, options, parentId).job();
    }

    private Lane.Submission submitUnload(ModuleName name, UnloadOptions options, String parentId) {
        Lane.Submission s = lanes.of(name).submit(Operation.UNLOAD, tail -> tail.unloadOptions().force() == options.force(),
                () -> newJob(name, Operation.UNLOAD, ModuleParameters.NONE, options, parentId),
                job -> runSafely(job, () -> remover.run(job)));
        if (s.joined()) {
            observer.merged(Operation.UNLOAD);
        }
        return s;
    }

    /** Cancels a queued or waiting job. */
    public Job cancel(String id) {
        Job job = registry.find(id).orElseThrow(() -> registry.snapshot(id).isPresent()
                ? new RefusedException(Refusal.JOB_FINISHED, "job " + id + " ended in an earlier run of kmodd")
                : new RefusedException(Refusal.NOT_FOUND, "no job " + id));
        job.requestCancel();
        return job;
    }

    private Job newJob(ModuleName name, Operation op, ModuleParameters params, UnloadOptions opts, String parentId) {
        Job job = new Job(name, op, params, opts, parentId, clock);
        registry.register(job);
        return job;
    }

    /** Runs a job's work on its lane thread; {@code work} answers how long it spent waiting. */
    private void runSafely(Job job, Supplier<Duration> work) {
        long start = System.nanoTime();
        Duration waited = Duration.ZERO;
        try {
            waited = work.get();
        } catch (RuntimeException | Error e) {
            // Nothing is lost: whatever broke, the job ends with a knowable outcome.
            job.fail(new JobError(null, "internal-error", "kmodd failed while running this job: " + e));
        } finally {
            if (!job.isFinished()) {
                job.fail(new JobError(null, "internal-error", "the job stopped without an outcome"));
            }
            observer.finished(job.operation(), job.state(), LoadRunner.elapsed(start), waited);
        }
    }

    private ResolvedModule resolveOne(ModuleName name) {
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

    private boolean isLive(ModuleName name) {
        return kernel.usage(name).map(u -> u.state() == ModuleState.LIVE).orElse(false);
    }

    private void requireWritable() {
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

    /** How many lanes exist; for tests that check clients cannot grow the map. */
    int laneCount() {
        return lanes.size();
    }

    @Override
    public void close() {
        lanes.shutdown();
    }
}
