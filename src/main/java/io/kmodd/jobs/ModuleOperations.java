package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterConflict;
import io.kmodd.params.LoadedWith;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.usage.UsageExplainer;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.Optional;

/**
 * The entry point for every write: loads, unloads, reloads and cancels. {@link Admission} refuses what can
 * be refused at once and answers already-loaded modules without a kernel call; the rest goes to the
 * module's lane, where parallel requests merge and the runners do the work on the {@link WorkerPool}.
 * Thread-safe.
 */
public final class ModuleOperations implements AutoCloseable {
    private final JobRegistry registry;
    private final Lanes lanes;
    private final Clock clock;
    private final WorkerPool workers;
    private final JobObserver observer;
    private final Admission admission;
    private final LoadSteps loader;
    private final RemovalSteps remover;
    private final RemovalPlanner planner;
    private final ReloadSteps reloader;

    public ModuleOperations(Kernel kernel, JobRegistry registry, Settings settings, JobObserver observer, Clock clock) {
        this(kernel, registry, settings, observer, clock, Ticker.SYSTEM, ModulePolicy.ALLOW_ALL);
    }

    public ModuleOperations(Kernel kernel, JobRegistry registry, Settings settings, JobObserver observer, Clock clock,
            Ticker ticker, ModulePolicy policy) {
        this(kernel, registry, settings, observer, clock, ticker, policy, new LiveParameters(kernel, LoadedWith.inMemory()));
    }

    /** @param live the live modules' parameters, with kmodd's record of what it loaded them with */
    public ModuleOperations(Kernel kernel, JobRegistry registry, Settings settings, JobObserver observer, Clock clock,
            Ticker ticker, ModulePolicy policy, LiveParameters live) {
        this.registry = registry;
        this.clock = clock;
        this.observer = observer;
        this.workers = new WorkerPool(settings.workerThreads());
        this.lanes = new Lanes(settings.laneCapacity(), settings.maxUnfinished(), new JobStarter(ticker, workers, observer));
        this.admission = new Admission(kernel, policy, live);
        Dependencies dependencies = new DependencySteps();
        this.loader = new LoadSteps(kernel, dependencies, settings, observer, live);
        UsageExplainer explainer = new UsageExplainer(kernel, io.kmodd.kernel.ScanBound.HOST);
        this.remover = new RemovalSteps(kernel, explainer, dependencies, settings, observer, live);
        this.planner = new RemovalPlanner(kernel, explainer, admission);
        this.reloader = new ReloadSteps(kernel, remover, loader, live, dependencies, settings);
    }

    /** The answer to a load request: the module was there already (no job, no kernel call), or a job. */
    public sealed interface LoadAnswer {
        ModuleName module();
    }

    /** @param builtin built into the kernel rather than loaded */
    public record AlreadyThere(ModuleName module, boolean builtin) implements LoadAnswer, Admission.LoadVerdict {
    }

    /** @param joined the request joined an unfinished job with the same parameters */
    public record Queued(ModuleName module, Job job, boolean joined) implements LoadAnswer {
    }

    public LoadAnswer load(ModuleName requested, ModuleParameters params) {
        return load(requested, params, false);
    }

    /** @param ignoreBlacklist load even when modprobe.d blacklists it (the caller checked the admin role) */
    public LoadAnswer load(ModuleName requested, ModuleParameters params, boolean ignoreBlacklist) {
        admission.allowed(requested, "loading");
        // A load already queued or running with the same parameters is joined first: it passed every check
        // when it was made, and a merged request then costs no kernel read and no module resolution.
        Optional<Lane.Submission> joined = lanes.existing(requested)
                .flatMap(lane -> lane.tryJoin(JobSpec.MergeKey.load(params)));
        if (joined.isPresent()) {
            observer.merged(Operation.LOAD);
            return new Queued(requested, joined.get().job(), true);
        }
        refuseAgainstQueuedLoad(requested, params);
        Admission.LoadVerdict verdict = admission.load(requested, params, ignoreBlacklist, lanes.busy(requested));
        if (verdict instanceof AlreadyThere there) {
            return there;
        }
        ResolvedModule target = ((Admission.ToLoad) verdict).target();
        Lane.Submission s = submitLoad(target, params, null);
        return new Queued(target.name(), s.job(), s.joined());
    }

    /**
     * A load with parameters that differ from those of the load queued last on the lane (and not undone
     * by a later job) would not apply them: refused at once with both sets. A load queued behind a reload
     * is answered after the reload, by the live values then.
     */
    private void refuseAgainstQueuedLoad(ModuleName module, ModuleParameters params) {
        if (params.isEmpty()) {
            return;
        }
        lanes.existing(module).flatMap(Lane::unfinishedTail).ifPresent(tail -> {
            if (tail.spec() instanceof JobSpec.Load queued) {
                ParameterConflict c = LiveParameters.againstQueued(params.asMap(), queued.effectiveParams(), tail.id());
                if (!c.none()) {
                    throw new ParameterConflictException(module.value(), c);
                }
            }
        });
    }

    private Lane.Submission submitLoad(ResolvedModule target, ModuleParameters params, String parentId) {
        JobSpec.Load spec = new JobSpec.Load(target, params);
        return submit(target.name(), spec, parentId, run -> loader.run(run, spec));
    }

    public record UnloadTicket(Job job, boolean joined) {
    }

    public UnloadTicket unload(ModuleName name, UnloadOptions options) {
        admission.unload(name, lanes.busy(name));
        Lane.Submission s = submitUnload(name, options, null);
        return new UnloadTicket(s.job(), s.joined());
    }

    /**
     * Reloads a loaded module with the request's parameters: one job on its lane that removes it patiently
     * (as {@link #unload} with the request's removal options) and loads it again, restoring what it had when
     * the new load fails. Refused at once when it is not loaded or is built in, and when other modules hold it
     * unless the request takes them down first (each must be unused) and brings them back after.
     */
    public UnloadTicket reload(ModuleName name, ReloadRequest request) {
        ResolvedModule target = admission.reload(name, request, lanes.busy(name));
        JobSpec.Reload spec = new JobSpec.Reload(new JobSpec.Load(target, request.params()), request.removal(),
                request.withHolders());
        Lane.Submission s = submit(name, spec, null, run -> reloader.run(run, spec));
        return new UnloadTicket(s.job(), s.joined());
    }

    /**
     * What {@link #unload} with the same options would do, through the same checks (policy, whether
     * writes are possible, whether it is loaded), without a kernel call or a job.
     */
    public RemovalPlan planUnload(ModuleName name, UnloadOptions options) {
        admission.allowed(name, "removing");
        admission.requireWritable();
        return planner.plan(name, options);
    }

    private Lane.Submission submitUnload(ModuleName name, UnloadOptions options, String parentId) {
        JobSpec.Unload spec = new JobSpec.Unload(options);
        return submit(name, spec, parentId, run -> remover.run(run, spec));
    }

    private Lane.Submission submit(ModuleName module, JobSpec spec, String parentId, JobStarter.Work work) {
        Lane.Submission s = lanes.of(module).submit(spec.mergeKey(), () -> {
            Job job = new Job(module, spec, parentId, clock);
            registry.register(job);
            return job;
        }, work);
        if (s.joined()) {
            observer.merged(spec.operation());
        }
        return s;
    }

    /** Cancels a queued or waiting job. */
    public Job cancel(String id) {
        Job job = registry.find(id).orElseThrow(() -> {
            JobRegistry.Lookup found = registry.lookup(id);
            if (found instanceof JobRegistry.Found f) {
                return new RefusedException(Refusal.JOB_FINISHED,
                        "job " + id + " has already " + f.job().state() + "; there is nothing to cancel");
            }
            if (found instanceof JobRegistry.Gone g) {
                return new RefusedException(Refusal.GONE, Gone.detail(id, g.horizon()));
            }
            return new RefusedException(Refusal.NOT_FOUND, "no job " + id);
        });
        job.requestCancel();
        return job;
    }

    /** The runners' way to other lanes: dependency steps pass the same checks as requests. */
    private final class DependencySteps implements Dependencies {
        @Override
        public Optional<Job> load(ModuleName module, ModuleParameters params, String parentId) {
            admission.allowed(module, "loading (as a dependency)");
            ResolvedModule target = admission.resolve(module);
            if (target.builtin()) {
                return Optional.empty();
            }
            return Optional.of(submitLoad(target, params, parentId).job());
        }

        @Override
        public Job unload(ModuleName module, UnloadOptions options, String parentId) {
            admission.allowed(module, "removing (as an unused dependency)");
            return submitUnload(module, options, parentId).job();
        }
    }


    /** How many lanes exist; for tests that check clients cannot grow the map. */
    int laneCount() {
        return lanes.size();
    }

    /** Worker threads alive now; for tests. */
    int workerThreads() {
        return workers.size();
    }

    /** Unfinished jobs across all lanes; for tests and the shutdown report. */
    int unfinished() {
        return lanes.unfinished();
    }

    /**
     * Stops for good, within about {@code grace}: refuses new jobs, ends every queued or waiting job as
     * interrupted (each outcome reaches the journal), and gives a job inside a kernel call until the grace
     * runs out to come back. Returns how many jobs were still inside a kernel call at the end.
     */
    public int stop(Duration grace) {
        lanes.stop("kmodd is stopping; retry when it is back");
        long deadline = System.nanoTime() + grace.toNanos();
        List<Job> inKernel = new ArrayList<>();
        for (Job job : registry.unfinished()) {
            if (!job.interrupt()) {
                inKernel.add(job);
            }
        }
        int left = 0;
        for (Job job : inKernel) {
            long wait = deadline - System.nanoTime();
            try {
                job.completion().get(Math.max(0, wait), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                left++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                left++;
            } catch (ExecutionException e) {
                // Ended; its outcome is recorded.
            }
        }
        workers.shutdown();
        return left;
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(5));
    }
}
