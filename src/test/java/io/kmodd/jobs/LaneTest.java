package io.kmodd.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.kernel.ResolvedModule;
import io.kmodd.testing.VirtualTicker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lane's merge rule and its bound, with work that holds until the test lets it end. */
class LaneTest {
    private static final ModuleName LOOP = ModuleName.of("loop");
    private final VirtualTicker ticker = new VirtualTicker();
    private final ExecutorService workers = Executors.newFixedThreadPool(2);
    /** Counts jobs whose outcome the runner has applied (and whose places were given back). */
    private final java.util.concurrent.Semaphore ended = new java.util.concurrent.Semaphore(0);
    private final Lanes lanes = new Lanes(3, 5, new JobStarter(ticker, workers, new JobObserver() {
        @Override
        public void finished(Operation operation, JobState outcome, Duration total, Duration waited) {
            ended.release();
        }
    }));
    private final Lane lane = lanes.of(LOOP);
    private final CompletableFuture<Outcome> release = new CompletableFuture<>();

    @AfterEach
    void tearDown() {
        release.complete(new Outcome.Succeeded("done", false));
        workers.shutdownNow();
    }

    /** Work that ends when the test releases it. */
    private JobStarter.Work held() {
        return run -> release;
    }

    private Lane.Submission submit(JobSpec spec) {
        return submit(lane, LOOP, spec);
    }

    private Lane.Submission submit(Lane on, ModuleName module, JobSpec spec) {
        return on.submit(spec.mergeKey(), () -> new Job(module, spec, null, Clock.systemUTC()), held());
    }

    private static JobSpec.Load load(Map<String, String> params) {
        ResolvedModule target = new ResolvedModule(LOOP, Optional.of(Path.of("/lib/modules/loop.ko")), "", List.of(),
                List.of(), List.of(), false, false);
        return new JobSpec.Load(target, ModuleParameters.of(params));
    }

    private static JobSpec.Unload unload(boolean force) {
        return new JobSpec.Unload(new UnloadOptions(Duration.ofSeconds(10), force, false));
    }

    @Test
    void loadsWithEqualParametersJoinTheTail() {
        Lane.Submission a = submit(load(Map.of("max_loop", "4")));
        Lane.Submission b = submit(load(Map.of("max_loop", "4")));
        assertThat(a.joined()).isFalse();
        assertThat(b.joined()).isTrue();
        assertThat(b.job()).isSameAs(a.job());
        assertThat(a.job().requests()).isEqualTo(2);
    }

    @Test
    void loadsWithOtherParametersAreOtherWork() {
        Lane.Submission a = submit(load(Map.of("max_loop", "4")));
        Lane.Submission b = submit(load(Map.of("max_loop", "8")));
        assertThat(b.joined()).isFalse();
        assertThat(b.job()).isNotSameAs(a.job());
        assertThat(lane.tryJoin(JobSpec.MergeKey.load(ModuleParameters.NONE))).isEmpty();
    }

    @Test
    void aRequestNeverJoinsAcrossAnOppositeJob() {
        Lane.Submission firstLoad = submit(load(Map.of()));
        submit(unload(false));
        Lane.Submission secondLoad = submit(load(Map.of()));
        assertThat(secondLoad.joined()).isFalse();
        assertThat(secondLoad.job()).isNotSameAs(firstLoad.job());
    }

    @Test
    void unloadsJoinOnlyWhenBothAreForcedOrNeither() {
        Lane.Submission a = submit(unload(false));
        assertThat(submit(unload(false)).job()).isSameAs(a.job());
        assertThat(submit(unload(true)).joined()).isFalse();
    }

    @Test
    void aFinishedTailIsNotJoined() throws Exception {
        Lane.Submission a = submit(load(Map.of()));
        release.complete(new Outcome.Succeeded("done", false));
        a.job().completion().get(5, TimeUnit.SECONDS);
        Lane.Submission b = submit(load(Map.of()));
        assertThat(b.joined()).isFalse();
        assertThat(b.job()).isNotSameAs(a.job());
    }

    @Test
    void theLaneRefusesPastItsCapacityButStillTakesJoins() {
        submit(load(Map.of("a", "1")));
        submit(load(Map.of("a", "2")));
        submit(load(Map.of("a", "3")));
        assertThatThrownBy(() -> submit(load(Map.of("a", "4"))))
                .isInstanceOf(RefusedException.class)
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.QUEUE_FULL);
        assertThat(submit(load(Map.of("a", "3"))).joined()).isTrue();
        assertThat(lane.busy()).isTrue();
    }

    @Test
    void allLanesTogetherRefusePastTheGlobalBoundWithOverloaded() throws Exception {
        for (int i = 0; i < 3; i++) {
            submit(load(Map.of("a", "" + i)));
        }
        Lane other = lanes.of(ModuleName.of("xfs"));
        submit(other, ModuleName.of("xfs"), load(Map.of("a", "1")));
        submit(other, ModuleName.of("xfs"), load(Map.of("a", "2")));
        assertThatThrownBy(() -> submit(other, ModuleName.of("xfs"), load(Map.of("a", "3"))))
                .extracting(e -> ((RefusedException) e).refusal()).isEqualTo(Refusal.OVERLOADED);
        assertThat(lanes.unfinished()).isEqualTo(5);
        release.complete(new Outcome.Succeeded("done", false));
        assertThat(ended.tryAcquire(5, 5, TimeUnit.SECONDS)).isTrue();
        assertThat(lanes.unfinished()).isZero();
        assertThat(submit(other, ModuleName.of("xfs"), load(Map.of("a", "3"))).joined()).isFalse();
    }

    @Test
    void jobsOfOneLaneRunOneAtATimeInOrder() throws Exception {
        List<String> order = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
        CompletableFuture<Outcome> first = new CompletableFuture<>();
        Lane.Submission a = lane.submit(JobSpec.MergeKey.load(ModuleParameters.of(Map.of("n", "1"))),
                () -> new Job(LOOP, load(Map.of("n", "1")), null, Clock.systemUTC()), run -> {
                    order.add("first started");
                    started.countDown();
                    return first;
                });
        Lane.Submission b = lane.submit(JobSpec.MergeKey.load(ModuleParameters.of(Map.of("n", "2"))),
                () -> new Job(LOOP, load(Map.of("n", "2")), null, Clock.systemUTC()), run -> {
                    order.add("second started");
                    return CompletableFuture.completedFuture(new Outcome.Succeeded("done", false));
                });
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(b.job().state()).isEqualTo(JobState.QUEUED);
        first.complete(new Outcome.Succeeded("done", false));
        b.job().completion().get(5, TimeUnit.SECONDS);
        assertThat(order).containsExactly("first started", "second started");
        assertThat(a.job().state()).isEqualTo(JobState.SUCCEEDED);
    }
}
