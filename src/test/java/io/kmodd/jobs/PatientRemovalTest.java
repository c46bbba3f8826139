package io.kmodd.jobs;

import static io.kmodd.jobs.OperationsFixture.awaitEnd;
import static io.kmodd.jobs.OperationsFixture.awaitState;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ModuleState;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.VirtualTicker;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patient removal against the simulated kernel: waiting, retrying, deadlines, cancel, holders, merging.
 * The lanes run on virtual time: a wait of seconds takes milliseconds, and "later" is a virtual instant.
 */
class PatientRemovalTest {
    private final OperationsFixture fixture = new OperationsFixture().loadTimeout(Duration.ofSeconds(5))
            .progressInterval(Duration.ofMillis(50));
    private final SimulatedKernel kernel = fixture.kernel;
    private final VirtualTicker ticker = fixture.ticker;
    private ModuleOperations ops;
    private ExecutorService side;

    @BeforeEach
    void setUp() {
        ops = fixture.start();
        side = Executors.newFixedThreadPool(4);
        kernel.define("loop");
        kernel.loadedByOther("loop", ModuleState.LIVE);
    }

    @AfterEach
    void tearDown() {
        side.shutdownNow();
        ops.close();
    }

    private static UnloadOptions within(Duration t) {
        return new UnloadOptions(t, false, false);
    }

    private Job unload(String name, UnloadOptions o) throws Exception {
        return awaitEnd(ops.unload(ModuleName.of(name), o).job());
    }

    /** Runs {@code r} when the lanes' virtual time has advanced by {@code millis}. */
    private void later(long millis, Runnable r) {
        ticker.after(Duration.ofMillis(millis), r);
    }

    @Test
    void refcountDroppingMidWaitIsFollowedByRemoval() throws Exception {
        kernel.setUsers("loop", 1);
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(5))).job();
        awaitState(job, JobState.WAITING);
        // Virtual time runs from one timer to the next: the drop is due 200 ms into the wait.
        later(200, () -> kernel.setUsers("loop", 0));
        job = awaitEnd(job);
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.isLoaded("loop")).isFalse();
        JobSnapshot s = job.snapshot();
        assertThat(s.events()).anyMatch(e -> e.type() == EventType.REFCNT && Integer.valueOf(1).equals(e.data().get("refcnt")));
        assertThat(s.events()).anyMatch(e -> e.type() == EventType.REFCNT && Integer.valueOf(0).equals(e.data().get("refcnt")));
        // The removal waited for the holder rather than hammering the kernel: one delete_module call.
        assertThat(kernel.deleteCalls("loop")).isEqualTo(1);
    }

    @Test
    void refusalsWithRefcountZeroAreRetried() throws Exception {
        kernel.scriptDelete("loop", Errno.EAGAIN, Errno.EBUSY);
        Job job = unload("loop", within(Duration.ofSeconds(5)));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.deleteCalls("loop")).isEqualTo(3);
        assertThat(job.snapshot().events().stream().filter(e -> e.type() == EventType.ATTEMPT).map(e -> e.data().get("errno")))
                .containsExactly(Errno.EAGAIN, Errno.EBUSY, "OK");
    }

    @Test
    void deadlineFailsAndLeavesTheModuleLoaded() throws Exception {
        kernel.setUsers("loop", 1);
        long t0 = ticker.nanoTime();
        Job job = unload("loop", within(Duration.ofMillis(300)));
        Duration took = ticker.since(t0);
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(job.snapshot().error().detail()).contains("still in use: refcnt 1 after 300ms");
        assertThat(kernel.isLoaded("loop")).isTrue();
        assertThat(kernel.deleteCalls("loop")).isZero();
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    }

    @Test
    void aWaitingRemovalExplainsWhatHoldsTheModuleInProgressAndAtItsDeadlineWithoutScanningEveryPoll() throws Exception {
        kernel.setUsers("loop", 1);
        io.kmodd.kernel.DeviceNumber loop0 = new io.kmodd.kernel.DeviceNumber(io.kmodd.kernel.DeviceNumber.Kind.BLOCK, 7, 0);
        kernel.hostFacts(new io.kmodd.kernel.HostFacts(List.of(), List.of(new io.kmodd.kernel.HostFacts.OpenDevice(812, "qemu-img",
                Optional.empty(), "/dev/loop0", loop0, Optional.empty())), List.of(), List.of(), Map.of(7, "loop"), Map.of(), List.of()));
        Job job = unload("loop", within(Duration.ofSeconds(3)));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().detail()).isEqualTo("still in use: refcnt 1 after 3s; loop stays loaded;"
                + " last seen holding it: refcnt 1, 1 explained: /dev/loop0 open by pid 812 (qemu-img)");
        assertThat(job.snapshot().events()).anyMatch(e -> e.type() == EventType.PROGRESS
                && e.message().equals("waiting for loop: refcnt 1, 1 explained: /dev/loop0 open by pid 812 (qemu-img)")
                && Integer.valueOf(1).equals(e.data().get("explained")));
        // 3 s of 5 ms polls is 600 reads of the refcount; the host was scanned once per 2 s.
        assertThat(kernel.hostScans()).isBetween(1, 2);
    }

    @Test
    void timeoutZeroMakesExactlyOneAttempt() throws Exception {
        kernel.setUsers("loop", 1);
        Job job = unload("loop", within(Duration.ZERO));
        assertThat(job.state()).isEqualTo(JobState.FAILED);
        assertThat(job.snapshot().error().errno()).isEqualTo(Errno.EAGAIN);
        assertThat(kernel.deleteCalls("loop")).isEqualTo(1);
    }

    @Test
    void cancelStopsAWaitingRemoval() throws Exception {
        kernel.setUsers("loop", 1);
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(30))).job();
        awaitState(job, JobState.WAITING);
        ops.cancel(job.id());
        Job ended = awaitEnd(job);
        assertThat(ended.state()).isEqualTo(JobState.CANCELLED);
        assertThat(kernel.isLoaded("loop")).isTrue();
        assertThatThrownBy(() -> ops.cancel(job.id())).extracting(e -> ((RefusedException) e).refusal())
                .isEqualTo(Refusal.JOB_FINISHED);
    }

    @Test
    void cancelOfAQueuedJobEndsItBeforeItRuns() throws Exception {
        kernel.setUsers("loop", 1);
        Job first = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(30))).job();
        awaitState(first, JobState.WAITING);
        Job queuedLoad = ((ModuleOperations.Queued) ops.load(ModuleName.of("loop"), ModuleParameters.NONE)).job();
        assertThat(queuedLoad.state()).isEqualTo(JobState.QUEUED);
        ops.cancel(queuedLoad.id());
        assertThat(awaitEnd(queuedLoad).state()).isEqualTo(JobState.CANCELLED);
        ops.cancel(first.id());
        awaitEnd(first);
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void holdersAreRefusedAtOnce() {
        kernel.define("libcrc32c");
        kernel.loadedByOther("libcrc32c", ModuleState.LIVE);
        kernel.define("xfs", "libcrc32c");
        ((ModuleOperations.Queued) ops.load(ModuleName.of("xfs"), ModuleParameters.NONE)).job().completion().join();
        assertThatThrownBy(() -> ops.unload(ModuleName.of("libcrc32c"), within(Duration.ofSeconds(10))))
                .isInstanceOf(RefusedException.class)
                .hasMessageContaining("xfs")
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.IN_USE_BY_HOLDERS);
        assertThat(kernel.deleteCalls("libcrc32c")).isZero();
    }

    @Test
    void concurrentUnloadsBecomeOneJob() throws Exception {
        kernel.setUsers("loop", 1);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<String>> ids = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ids.add(side.submit(() -> {
                go.await();
                return ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(30))).job().id();
            }));
        }
        go.countDown();
        List<String> got = new ArrayList<>();
        for (Future<String> f : ids) {
            got.add(f.get(5, TimeUnit.SECONDS));
        }
        assertThat(got).containsOnly(got.get(0));
        kernel.setUsers("loop", 0);
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(5))).job();
        assertThat(job.id()).isEqualTo(got.get(0));
        assertThat(awaitEnd(job).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().requests()).isEqualTo(9);
        assertThat(kernel.deleteCalls("loop")).isEqualTo(1);
    }

    @Test
    void removalByAnotherPartyDuringTheWaitSucceedsAndSaysSo() throws Exception {
        kernel.setUsers("loop", 1);
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(5))).job();
        awaitState(job, JobState.WAITING);
        later(100, () -> kernel.removedByOther("loop"));
        job = awaitEnd(job);
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().outcome()).contains("removed by another party");
    }

    @Test
    void notLoadedIsRefused() {
        assertThatThrownBy(() -> ops.unload(ModuleName.of("xfs"), within(Duration.ofSeconds(1))))
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.NOT_LOADED);
    }

    @Test
    void removeDependenciesRemovesTheUnusedOnesOnly() throws Exception {
        kernel.define("libcrc32c").define("xfs", "libcrc32c").define("btrfs", "libcrc32c").define("zstd");
        kernel.define("f2fs", "zstd");
        for (String m : List.of("xfs", "f2fs")) {
            ((ModuleOperations.Queued) ops.load(ModuleName.of(m), ModuleParameters.NONE)).job().completion()
                    .get(5, TimeUnit.SECONDS);
        }
        Job job = unload("f2fs", new UnloadOptions(Duration.ofSeconds(2), false, true));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(kernel.isLoaded("zstd")).isFalse();
        // libcrc32c still serves xfs, and removing f2fs must not touch it.
        assertThat(kernel.isLoaded("libcrc32c")).isTrue();
        assertThat(kernel.deleteCalls("libcrc32c")).isZero();
    }

    @Test
    void forcedRemovalWarnsAboutTheTaint() throws Exception {
        kernel.setUsers("loop", 2);
        Job job = unload("loop", new UnloadOptions(Duration.ofSeconds(1), true, false));
        assertThat(job.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(job.snapshot().events()).anyMatch(e -> e.type() == EventType.WARNING && e.message().contains("taints"));
    }

    @Test
    void waitingReportsProgressTicksButKeepsOnlyTheLatest() throws Exception {
        kernel.setUsers("loop", 1);
        List<JobEvent> live = new ArrayList<>();
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofMillis(400))).job();
        job.subscribe(e -> {
            synchronized (live) {
                live.add(e);
            }
        }, () -> {
        });
        awaitEnd(job);
        synchronized (live) {
            assertThat(live.stream().filter(e -> e.type() == EventType.PROGRESS).count()).isGreaterThanOrEqualTo(3);
        }
        assertThat(job.snapshot().events().stream().filter(e -> e.type() == EventType.PROGRESS).count()).isLessThanOrEqualTo(1);
        assertThat(job.snapshot().events().get(job.snapshot().events().size() - 1).type()).isEqualTo(EventType.OUTCOME);
    }

    @Test
    void unknownNamesNeverGrowTheLanes() {
        int before = ops.laneCount();
        for (int i = 0; i < 2000; i++) {
            ModuleName n = ModuleName.of("nosuch" + i);
            assertThatThrownBy(() -> ops.load(n, ModuleParameters.NONE)).isInstanceOf(RefusedException.class);
            assertThatThrownBy(() -> ops.unload(n, within(Duration.ofSeconds(1)))).isInstanceOf(RefusedException.class);
        }
        assertThat(ops.laneCount()).isEqualTo(before);
    }

    @Test
    void aLongFlappingWaitKeepsABoundedHistory() throws Exception {
        kernel.setUsers("loop", 1);
        Job job = ops.unload(ModuleName.of("loop"), within(Duration.ofSeconds(30))).job();
        awaitState(job, JobState.WAITING);
        for (int i = 0; i < 3000; i++) {
            job.event(EventType.REFCNT, "refcnt of loop is " + (i % 2), java.util.Map.of("refcnt", i % 2));
        }
        assertThat(job.snapshot().events().size()).isLessThanOrEqualTo(Job.COALESCE_AFTER + 2);
        for (int i = 0; i < 3000; i++) {
            job.event(i % 2 == 0 ? EventType.REFCNT : EventType.ATTEMPT, "flap " + i, java.util.Map.of());
        }
        java.util.List<JobEvent> history = job.snapshot().events();
        assertThat(history.size()).isLessThanOrEqualTo(Job.MAX_HISTORY);
        assertThat(history.get(0).type()).isEqualTo(EventType.QUEUED);
        assertThat(history.get(history.size() - 1).message()).isEqualTo("flap 2999");
        ops.cancel(job.id());
    }
}
