package io.kmodd.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.ModuleName;
import io.kmodd.testing.VirtualTicker;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry keeps every unfinished job and a bounded tail of finished ones, this run's and earlier runs'. */
class JobRegistryTest {
    private final VirtualTicker ticker = new VirtualTicker();

    private Job job(String module) {
        return new Job(ModuleName.of(module), new JobSpec.Unload(UnloadOptions.NONE), null, Clock.systemUTC(), ticker);
    }

    private static JobSnapshot earlier(String id) {
        Instant t = Instant.parse("2026-11-20T10:00:00Z");
        return new JobSnapshot(id, "loop", "unload", "succeeded", 1, t, t, t, null, "removed loop", false, Map.of(),
                null, List.of());
    }

    @Test
    void finishedJobsAreTrimmedOldestFirstUnfinishedOnesNever() {
        List<JobSnapshot> journal = new ArrayList<>();
        JobRegistry r = new JobRegistry(3, journal::add);
        Job waiting = job("loop");
        r.register(waiting);
        List<Job> done = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Job j = job("m" + i);
            r.register(j);
            j.end(new Outcome.Succeeded("ok", false));
            done.add(j);
        }
        assertThat(r.find(waiting.id())).isPresent();
        assertThat(r.find(done.get(0).id())).isEmpty();
        assertThat(r.find(done.get(1).id())).isEmpty();
        assertThat(r.find(done.get(2).id())).isPresent();
        assertThat(r.list(s -> true)).hasSize(4);
        // Each job is journaled when it is made and when it ends.
        assertThat(journal).hasSize(1 + 2 * 5);
    }

    @Test
    void earlierRunsCountAgainstTheSameBoundAndCannotBeFollowed() {
        JobRegistry r = new JobRegistry(2);
        r.restore(List.of(earlier("a"), earlier("b"), earlier("c")));
        assertThat(r.snapshot("a")).isEmpty();
        assertThat(r.snapshot("c")).isPresent();
        assertThat(r.find("c")).isEmpty();
        Job j = job("loop");
        r.register(j);
        j.end(new Outcome.Cancelled("cancelled"));
        assertThat(r.snapshot("b")).isEmpty();
        assertThat(r.list(s -> true)).extracting(JobSnapshot::id).containsExactlyInAnyOrder("c", j.id());
    }

    @Test
    void countsAndTheOldestWaitingAreForUnfinishedJobs() {
        JobRegistry r = new JobRegistry(10);
        Job a = job("loop");
        Job b = job("xfs");
        r.register(a);
        r.register(b);
        a.enter(JobState.WAITING, "waiting");
        assertThat(r.count(JobState.WAITING)).isEqualTo(1);
        assertThat(r.count(JobState.QUEUED)).isEqualTo(1);
        assertThat(r.oldestSeconds(JobState.WAITING, a.createdAt().plusSeconds(7))).isEqualTo(7.0);
        assertThat(r.oldestSeconds(JobState.RUNNING, Instant.now())).isZero();
    }
}
