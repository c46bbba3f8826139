package io.kmodd.jobs;

import static io.kmodd.jobs.OperationsFixture.awaitEnd;
import static io.kmodd.jobs.OperationsFixture.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ModuleState;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.VirtualTicker;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lanes share a few workers and one timer: waiting removals hold no thread, a module stuck in its
 * init does not stall other modules, the number of unfinished jobs is bounded, and stopping ends every
 * waiting job with a recorded outcome.
 */
class SharedWorkersTest {
    private static final int WORKERS = 4;
    private final OperationsFixture fixture = new OperationsFixture().retainedJobs(5000)
            .pollInterval(Duration.ofMillis(20)).progressInterval(Duration.ofMillis(500)).maxUnfinished(400)
            .workerThreads(WORKERS);
    private final SimulatedKernel kernel = fixture.kernel;
    private final VirtualTicker ticker = fixture.ticker;
    private final ModuleOperations ops = fixture.start();

    @AfterEach
    void tearDown() {
        kernel.releaseLoads();
        ops.close();
    }

    private static long threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(prefix)).count();
    }

    private List<Job> waitingRemovals(int n) throws Exception {
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            kernel.define("m" + i);
            kernel.loadedByOther("m" + i, ModuleState.LIVE);
            kernel.setUsers("m" + i, 1);
            jobs.add(ops.unload(ModuleName.of("m" + i), new UnloadOptions(Duration.ofHours(1), false, false)).job());
        }
        for (Job j : jobs) {
            awaitState(j, JobState.WAITING);
        }
        return jobs;
    }

    @Test
    void threeHundredWaitingRemovalsHoldTimersNotThreads() throws Exception {
        int before = Thread.activeCount();
        List<Job> jobs = waitingRemovals(300);
        assertThat(ops.workerThreads()).isLessThanOrEqualTo(WORKERS);
        assertThat(threadsNamed("kmodd-lane-")).isZero();
        assertThat(Thread.activeCount() - before).isLessThan(WORKERS + 4);
        assertThat(ops.unfinished()).isEqualTo(300);
        // They still follow their refcounts: one drops, its removal goes through.
        kernel.setUsers("m7", 0);
        assertThat(awaitEnd(jobs.get(7)).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.isLoaded("m7")).isFalse();
    }

    @Test
    void aModuleStuckInItsInitDoesNotStallOtherModules() throws Exception {
        kernel.define("slow").define("xfs").define("loop");
        kernel.holdLoadsOf("slow");
        Job slow = ((ModuleOperations.Queued) ops.load(ModuleName.of("slow"), ModuleParameters.NONE)).job();
        awaitState(slow, JobState.RUNNING);
        for (String m : List.of("xfs", "loop")) {
            Job j = ((ModuleOperations.Queued) ops.load(ModuleName.of(m), ModuleParameters.NONE)).job();
            assertThat(awaitEnd(j).state()).isEqualTo(JobState.SUCCEEDED);
        }
        assertThat(slow.state()).isEqualTo(JobState.RUNNING);
        kernel.releaseLoadsOf("slow");
        assertThat(awaitEnd(slow).state()).isEqualTo(JobState.SUCCEEDED);
    }

    @Test
    void aCancelIsAppliedAtOnceEvenWhileEveryWorkerIsInsideAModulesInit() throws Exception {
        Job waiting = waitingRemovals(1).get(0);
        List<Job> slow = new ArrayList<>();
        for (int i = 0; i < WORKERS; i++) {
            kernel.define("slow" + i);
            kernel.holdLoadsOf("slow" + i);
            slow.add(((ModuleOperations.Queued) ops.load(ModuleName.of("slow" + i), ModuleParameters.NONE)).job());
        }
        for (Job j : slow) {
            awaitState(j, JobState.RUNNING);
        }
        ops.cancel(waiting.id());
        assertThat(waiting.state()).isEqualTo(JobState.CANCELLED);
        assertThat(kernel.isLoaded("m0")).isTrue();
        for (int i = 0; i < WORKERS; i++) {
            kernel.releaseLoadsOf("slow" + i);
        }
        for (Job j : slow) {
            assertThat(awaitEnd(j).state()).isEqualTo(JobState.SUCCEEDED);
        }
    }

    @Test
    void jobsCancelledWhileQueuedLeaveTheirLaneAtOnce() throws Exception {
        List<Job> jobs = waitingRemovals(1);
        for (int i = 0; i < 500; i++) {
            Job queued = ((ModuleOperations.Queued) ops.load(ModuleName.of("m0"),
                    ModuleParameters.of(java.util.Map.of("n", Integer.toString(i))))).job();
            assertThat(queued.state()).isEqualTo(JobState.QUEUED);
            ops.cancel(queued.id());
        }
        // Each cancel gave its place back at once: the lane of 64 took 500 of them, and one job is left.
        assertThat(ops.unfinished()).isEqualTo(1);
        ops.cancel(jobs.get(0).id());
    }

    @Test
    void unfinishedJobsAreBoundedAcrossLanesAndJoinsStillWork() throws Exception {
        List<Job> jobs = waitingRemovals(400);
        kernel.define("xfs");
        assertThatThrownBy(() -> ops.load(ModuleName.of("xfs"), ModuleParameters.NONE))
                .isInstanceOf(RefusedException.class)
                .hasMessageContaining("400 unfinished jobs")
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.OVERLOADED);
        UnloadOptions same = new UnloadOptions(Duration.ofHours(1), false, false);
        assertThat(ops.unload(ModuleName.of("m3"), same).job()).isSameAs(jobs.get(3));
        ops.cancel(jobs.get(3).id());
        awaitEnd(jobs.get(3));
        assertThat(ops.load(ModuleName.of("xfs"), ModuleParameters.NONE)).isInstanceOf(ModuleOperations.Queued.class);
    }

    @Test
    void stoppingEndsEveryWaitingJobAsInterruptedAndRefusesNewOnes() throws Exception {
        List<Job> jobs = waitingRemovals(50);
        assertThat(ops.stop(Duration.ofSeconds(5))).isZero();
        for (Job j : jobs) {
            assertThat(awaitEnd(j).state()).isEqualTo(JobState.FAILED);
            assertThat(j.snapshot().error().reason()).isEqualTo(Reason.INTERRUPTED);
        }
        assertThat(kernel.isLoaded("m0")).isTrue();
        kernel.define("xfs");
        assertThatThrownBy(() -> ops.load(ModuleName.of("xfs"), ModuleParameters.NONE))
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.OVERLOADED);
    }
}
