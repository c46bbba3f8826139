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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lane's merge rule and its bound, with work that holds until the test lets it end. */
class LaneTest {
    private static final ModuleName LOOP = ModuleName.of("loop");
    private final VirtualTicker ticker = new VirtualTicker();
    private final Lane lane = new Lane(LOOP, 3, new JobRunner(ticker, JobObserver.NONE));
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void tearDown() {
        release.countDown();
        lane.shutdown();
    }

    private JobRunner.Work held() {
        return run -> {
            release.await();
            return new Outcome.Succeeded("done", false);
        };
    }

    private Lane.Submission submit(JobSpec spec) {
        return lane.submit(spec.mergeKey(), () -> new Job(LOOP, spec, null, Clock.systemUTC(), ticker), held());
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
        release.countDown();
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
}
