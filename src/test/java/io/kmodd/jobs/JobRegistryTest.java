package io.kmodd.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.ModuleName;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The registry keeps every unfinished job and a bounded tail of finished ones, this run's and earlier runs'. */
class JobRegistryTest {
    private Job job(String module) {
        return new Job(ModuleName.of(module), new JobSpec.Unload(UnloadOptions.NONE), null, Clock.systemUTC());
    }

    private static JobSnapshot earlier(String id) {
        Instant t = Instant.parse("2026-11-20T10:00:00Z");
        return new JobSnapshot(id, "loop", "unload", "succeeded", 1, t, t, t, null, "removed loop", false, Map.of(), null,
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
        assertThat(r.snapshot(done.get(0).id())).isEmpty();
        assertThat(r.snapshot(done.get(1).id())).isEmpty();
        assertThat(r.snapshot(done.get(2).id())).isPresent();
        // Finished jobs are kept as snapshots; only unfinished ones can still be followed live.
        assertThat(r.find(done.get(2).id())).isEmpty();
        assertThat(r.lookup(done.get(0).id())).isInstanceOf(JobRegistry.Gone.class);
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

    @Test
    void finishedJobsPastTheirAgeAreDroppedAndTheirIdsAnswerGone() {
        io.kmodd.testing.SteppedClock clock = new io.kmodd.testing.SteppedClock(Instant.parse("2026-11-01T00:00:00Z"));
        JobRegistry r = new JobRegistry(100, java.time.Duration.ofDays(7), clock, s -> {
        });
        Job old = new Job(ModuleName.of("loop"), new JobSpec.Unload(UnloadOptions.NONE), null, clock);
        r.register(old);
        old.end(new Outcome.Succeeded("removed", false));
        assertThat(r.lookup(old.id())).isInstanceOf(JobRegistry.Found.class);
        clock.advance(java.time.Duration.ofDays(8));
        assertThat(r.lookup(old.id())).isInstanceOf(JobRegistry.Gone.class);
        assertThat(r.finishedKept()).isZero();
        // A well-formed id newer than anything dropped is simply unknown; an old random (v4) id too.
        assertThat(r.lookup(JobIds.next(clock.instant()))).isInstanceOf(JobRegistry.Unknown.class);
        assertThat(r.lookup(java.util.UUID.randomUUID().toString())).isInstanceOf(JobRegistry.Unknown.class);
    }

    @Test
    void pagesWalkEveryJobOnceNewestFirst() {
        JobRegistry r = new JobRegistry(1000);
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            Job j = job("m" + i);
            r.register(j);
            if (i % 3 == 0) {
                j.end(new Outcome.Succeeded("ok", false));
            }
            made.add(j.id());
        }
        List<String> seen = new ArrayList<>();
        java.util.Optional<JobRegistry.Cursor> after = java.util.Optional.empty();
        int pages = 0;
        while (true) {
            JobRegistry.Page p = r.page(s -> true, after, 10);
            pages++;
            p.jobs().forEach(s -> seen.add(s.id()));
            assertThat(p.jobs()).allMatch(s -> s.events() == null);
            if (p.next().isEmpty()) {
                break;
            }
            after = JobRegistry.Cursor.after(p.next().get(), r);
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(made).doesNotHaveDuplicates();
        List<JobSnapshot> newestFirst = r.list(s -> true);
        for (int i = 1; i < newestFirst.size(); i++) {
            assertThat(newestFirst.get(i - 1).createdAt()).isAfterOrEqualTo(newestFirst.get(i).createdAt());
        }
    }

    @Test
    void jobIdsCarryTheirCreationTime() {
        Instant t = Instant.parse("2026-11-27T12:34:56.789Z");
        String id = JobIds.next(t);
        assertThat(java.util.UUID.fromString(id).version()).isEqualTo(7);
        assertThat(JobIds.createdAt(id)).contains(t);
        assertThat(JobIds.createdAt("3f2b9c9c-df38-4e1b-9a3e-0123456789ab")).isEmpty();
        assertThat(JobIds.createdAt("not-a-uuid")).isEmpty();
    }
}
