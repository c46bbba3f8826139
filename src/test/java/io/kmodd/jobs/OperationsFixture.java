package io.kmodd.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.params.LiveParameters;
import io.kmodd.params.LoadedWith;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.VirtualTicker;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The one way the host tests build {@link ModuleOperations}: on the simulated kernel and virtual time, with
 * the settings named rather than positional, and the one way they wait for a job. Waits are in real time and
 * bounded; virtual time runs on meanwhile.
 */
final class OperationsFixture {
    /** How long a host test waits, in real time, for a job that the simulated kernel lets end. */
    static final Duration PATIENCE = Duration.ofSeconds(10);

    final SimulatedKernel kernel = new SimulatedKernel();
    final VirtualTicker ticker = new VirtualTicker();
    private Duration loadTimeout = Duration.ofSeconds(60);
    private Duration pollInterval = Duration.ofMillis(5);
    private Duration progressInterval = Duration.ofMillis(100);
    private int maxUnfinished = Settings.DEFAULTS.maxUnfinished();
    private int workerThreads = Settings.DEFAULTS.workerThreads();
    private int retainedJobs = 1000;
    private LoadedWith loadedWith = LoadedWith.inMemory();

    OperationsFixture loadTimeout(Duration d) {
        loadTimeout = d;
        return this;
    }

    OperationsFixture pollInterval(Duration d) {
        pollInterval = d;
        return this;
    }

    OperationsFixture progressInterval(Duration d) {
        progressInterval = d;
        return this;
    }

    OperationsFixture maxUnfinished(int n) {
        maxUnfinished = n;
        return this;
    }

    OperationsFixture workerThreads(int n) {
        workerThreads = n;
        return this;
    }

    OperationsFixture retainedJobs(int n) {
        retainedJobs = n;
        return this;
    }

    /** Where kmodd records what it loaded each module with (in memory unless set). */
    OperationsFixture loadedWith(LoadedWith record) {
        loadedWith = record;
        return this;
    }

    /** A new ModuleOperations with these settings; the caller closes it. */
    ModuleOperations start() {
        Settings settings = new Settings(loadTimeout, pollInterval, progressInterval, 64, maxUnfinished, workerThreads);
        return new ModuleOperations(kernel, new JobRegistry(retainedJobs), settings, JobObserver.NONE, Clock.systemUTC(),
                ticker, ModulePolicy.ALLOW_ALL, new LiveParameters(kernel, loadedWith));
    }

    /** The job once it has ended. */
    static Job awaitEnd(Job job) throws Exception {
        return job.completion().get(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Returns once the job has reached {@code state}, told by its own events (replayed first) rather than by polling. */
    static void awaitState(Job job, JobState state) throws Exception {
        CountDownLatch reached = new CountDownLatch(1);
        try (AutoCloseable sub = job.subscribe(e -> {
            if (e.state().equals(state.wireName())) {
                reached.countDown();
            }
        }, () -> {
        })) {
            assertThat(reached.await(PATIENCE.toMillis(), TimeUnit.MILLISECONDS)).as("job %s reached %s (it is %s)",
                    job.id(), state, job.state()).isTrue();
        }
        assertThat(job.state()).isEqualTo(state);
    }

    /** The job a load was queued as; fails if the module was already there. */
    static ModuleOperations.Queued queued(ModuleOperations.LoadAnswer a) {
        assertThat(a).isInstanceOf(ModuleOperations.Queued.class);
        return (ModuleOperations.Queued) a;
    }
}
