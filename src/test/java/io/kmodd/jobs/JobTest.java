package io.kmodd.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.ModuleName;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A job's life on its own: states, the one outcome, cancel, and the bounded history. */
class JobTest {
    private Job job() {
        return new Job(ModuleName.of("loop"), new JobSpec.Unload(UnloadOptions.NONE), null, Clock.systemUTC());
    }

    @Test
    void theFirstOutcomeWinsAndCompletesTheJob() {
        Job j = job();
        j.end(new Outcome.Failed(Reason.TIMEOUT, Errno.EAGAIN, "still in use"));
        j.end(new Outcome.Succeeded("removed", false));
        JobSnapshot s = j.snapshot();
        assertThat(s.state()).isEqualTo("failed");
        assertThat(s.error()).isEqualTo(new JobError(Errno.EAGAIN, Reason.TIMEOUT, "still in use"));
        assertThat(j.completion()).isCompletedWithValue(j);
        JobEvent last = s.events().get(s.events().size() - 1);
        assertThat(last.type()).isEqualTo(EventType.OUTCOME);
        assertThat(last.data()).containsEntry("reason", Reason.TIMEOUT).containsEntry("errno", Errno.EAGAIN);
        assertThat(s.startedAt()).isNotNull();
    }

    @Test
    void enterIsRefusedOnceACancelIsAskedFor() throws Exception {
        Job j = job();
        assertThat(j.enter(JobState.WAITING, "waiting")).isTrue();
        j.requestCancel();
        assertThat(j.enter(JobState.RUNNING, "calling delete_module")).isFalse();
        assertThat(j.state()).isEqualTo(JobState.WAITING);
        assertThat(j.cancelRequested()).isTrue();
    }

    @Test
    void aCancelRunsTheWakerOfTheCurrentWaitOnce() {
        Job j = job();
        j.enter(JobState.WAITING, "waiting");
        int[] woken = {0};
        j.onCancel(() -> woken[0]++);
        j.requestCancel();
        assertThat(woken[0]).isEqualTo(1);
    }

    @Test
    void stoppingEndsAWaitingJobAsInterruptedButLeavesAKernelCallAlone() {
        Job waiting = job();
        waiting.enter(JobState.WAITING, "waiting");
        assertThat(waiting.interrupt()).isTrue();
        assertThat(waiting.snapshot().error().reason()).isEqualTo(Reason.INTERRUPTED);
        assertThat(waiting.snapshot().error().detail()).contains("was waiting").contains("GET /modules/loop");
        Job inKernel = job();
        inKernel.enter(JobState.RUNNING, "calling delete_module");
        assertThat(inKernel.interrupt()).isFalse();
        assertThat(inKernel.state()).isEqualTo(JobState.RUNNING);
        // Back from the kernel, it takes no further step: its next step ends it as interrupted.
        assertThat(inKernel.enter(JobState.WAITING, "the kernel refused with EAGAIN; retrying")).isFalse();
        assertThat(inKernel.stopping()).isTrue();
        assertThat(inKernel.interrupted().state()).isEqualTo(JobState.FAILED);
    }

    @Test
    void aQueuedJobIsCancelledAtOnceAndARunningOneNotAtAll() {
        Job queued = job();
        queued.requestCancel();
        assertThat(queued.state()).isEqualTo(JobState.CANCELLED);
        assertThatThrownBy(queued::requestCancel).extracting(e -> ((RefusedException) e).refusal())
                .isEqualTo(Refusal.JOB_FINISHED);
        Job running = job();
        running.enter(JobState.RUNNING, "calling delete_module");
        assertThatThrownBy(running::requestCancel).extracting(e -> ((RefusedException) e).refusal())
                .isEqualTo(Refusal.NOT_CANCELLABLE);
    }

    @Test
    void joinsCountRequestsUntilTheJobEnds() {
        Job j = job();
        assertThat(j.join()).isTrue();
        assertThat(j.join()).isTrue();
        j.end(new Outcome.Cancelled("cancelled"));
        assertThat(j.join()).isFalse();
        assertThat(j.snapshot().requests()).isEqualTo(3);
    }

    @Test
    void progressTicksReplaceEachOtherInTheHistoryButListenersSeeAll() throws Exception {
        Job j = job();
        List<JobEvent> live = new ArrayList<>();
        j.subscribe(live::add, () -> {
        });
        for (int i = 0; i < 10; i++) {
            j.progress(Duration.ofMillis(500L * i), "waiting", Map.of("refcnt", 1));
        }
        assertThat(j.snapshot().events()).filteredOn(e -> e.type() == EventType.PROGRESS).hasSize(1);
        assertThat(live).filteredOn(e -> e.type() == EventType.PROGRESS).hasSize(10);
        assertThat(live.get(0).type()).isEqualTo(EventType.QUEUED);
    }

    @Test
    void oneFollowerLeavingLeavesTheOthersFollowingToTheOutcome() throws Exception {
        Job j = job();
        j.enter(JobState.WAITING, "waiting");
        List<JobEvent> leaver = new ArrayList<>();
        List<JobEvent> stayer = new ArrayList<>();
        List<JobEvent> late = new ArrayList<>();
        int[] ends = new int[3];
        AutoCloseable leaving = j.subscribe(leaver::add, () -> ends[0]++);
        j.subscribe(stayer::add, () -> ends[1]++);
        j.progress(Duration.ofMillis(20), "waiting", Map.of("refcnt", 1));
        leaving.close();
        // Closing twice, or after the others joined, removes nothing more.
        leaving.close();
        j.subscribe(late::add, () -> ends[2]++);
        j.event(EventType.REFCNT, "refcnt 0", Map.of("refcnt", 0));
        j.end(new Outcome.Succeeded("removed", false));

        assertThat(leaver).extracting(JobEvent::type)
                .containsExactly(EventType.QUEUED, EventType.STATE, EventType.PROGRESS);
        assertThat(stayer).extracting(JobEvent::type).containsExactly(EventType.QUEUED, EventType.STATE,
                EventType.PROGRESS, EventType.REFCNT, EventType.OUTCOME);
        assertThat(late).extracting(JobEvent::type).endsWith(EventType.REFCNT, EventType.OUTCOME);
        assertThat(ends).containsExactly(0, 1, 1);
    }

    @Test
    void theHistoryIsBoundedAndKeepsTheFirstAndLatestEvents() {
        Job j = job();
        for (int i = 0; i < 3 * Job.MAX_HISTORY; i++) {
            j.event(EventType.WARNING, "w" + i, Map.of());
        }
        List<JobEvent> h = j.snapshot().events();
        assertThat(h).hasSize(Job.MAX_HISTORY);
        assertThat(h.get(0).type()).isEqualTo(EventType.QUEUED);
        assertThat(h.get(h.size() - 1).message()).isEqualTo("w" + (3 * Job.MAX_HISTORY - 1));
        assertThat(h.get(h.size() - 1).seq()).isEqualTo(3L * Job.MAX_HISTORY + 1);
    }

    @Test
    void repetitiveEventsCoalescePastTheThresholdOthersDoNot() {
        Job j = job();
        for (int i = 0; i < Job.COALESCE_AFTER; i++) {
            j.event(EventType.WARNING, "w" + i, Map.of());
        }
        for (int i = 0; i < 50; i++) {
            j.event(EventType.REFCNT, "refcnt " + i, Map.of("refcnt", i));
        }
        List<JobEvent> h = j.snapshot().events();
        assertThat(h).hasSize(Job.COALESCE_AFTER + 2); // queued, the warnings, one refcnt
        assertThat(h.get(h.size() - 1).message()).isEqualTo("refcnt 49");
    }

    @Test
    void eventsAfterTheEndAreDropped() {
        Job j = job();
        j.end(new Outcome.Succeeded("removed", false));
        int n = j.snapshot().events().size();
        j.event(EventType.WARNING, "late", Map.of());
        j.progress(Duration.ZERO, "late", Map.of());
        assertThat(j.snapshot().events()).hasSize(n);
    }
}
