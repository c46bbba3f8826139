package io.kmodd.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.JobSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobJournalTest {
    private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private static JobSnapshot job(String id, String state) {
        Instant t = Instant.parse("2026-11-21T10:00:00Z");
        return new JobSnapshot(id, "loop", "unload", state, 1, t, t, state.equals("waiting") ? null : t, null,
                null, false, Map.of(), null, List.of(new JobEvent(1, t, "queued", "queued", "queued on lane loop", Map.of())));
    }

    @Test
    void unfinishedJobsComeBackInterruptedAndFinishedOnesAsTheyWere(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state/jobs.jsonl");
        JobJournal first = new JobJournal(file, json, Clock.systemUTC());
        assertThat(first.recover(100)).isEmpty();
        first.record(job("a", "queued"));
        first.record(job("b", "queued"));
        first.record(job("a", "succeeded"));
        first.record(job("b", "waiting"));
        // A crash mid-append leaves a torn last line.
        Files.writeString(file, "{\"id\":\"c\",\"mod", java.nio.file.StandardOpenOption.APPEND);

        List<JobSnapshot> back = new JobJournal(file, json, Clock.systemUTC()).recover(100);
        assertThat(back).extracting(JobSnapshot::id).containsExactly("a", "b");
        assertThat(back.get(0).state()).isEqualTo("succeeded");
        JobSnapshot b = back.get(1);
        assertThat(b.state()).isEqualTo("failed");
        assertThat(b.error().reason()).isEqualTo("interrupted");
        assertThat(b.error().detail()).contains("was waiting").contains("GET /modules/loop");
        assertThat(b.events().get(b.events().size() - 1).type()).isEqualTo("outcome");
        // Compacted: one line per job, no torn line, no temporary file left.
        assertThat(Files.readAllLines(file)).hasSize(2);
        assertThat(Files.exists(file.resolveSibling("jobs.jsonl.tmp"))).isFalse();
    }

    @Test
    void keepsOnlyTheNewestJobsAndSurvivesAnUnwritablePlace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        JobJournal j = new JobJournal(file, json, Clock.systemUTC());
        j.recover(10);
        for (int i = 0; i < 5; i++) {
            j.record(job("j" + i, "succeeded"));
        }
        assertThat(new JobJournal(file, json, Clock.systemUTC()).recover(2)).extracting(JobSnapshot::id)
                .containsExactly("j3", "j4");
        Path blocked = dir.resolve("afile");
        Files.writeString(blocked, "");
        JobJournal off = new JobJournal(blocked.resolve("jobs.jsonl"), json, Clock.systemUTC());
        assertThat(off.recover(10)).isEmpty();
        off.record(job("x", "queued"));
    }
}
