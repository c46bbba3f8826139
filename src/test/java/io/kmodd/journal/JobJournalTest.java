package io.kmodd.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.kmodd.jobs.EventType;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.Reason;
import io.kmodd.kernel.Errno;
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
                null, false, Map.of(), null, null, List.of(new JobEvent(1, t, EventType.QUEUED, "queued", "queued on lane loop", Map.of())));
    }

    @Test
    void unfinishedJobsComeBackInterruptedAndFinishedOnesAsTheyWere(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("state/jobs.jsonl");
        JobJournal first = new JobJournal(file, json, Clock.systemUTC());
        assertThat(first.recover(100).jobs()).isEmpty();
        first.record(job("a", "queued"));
        first.record(job("b", "queued"));
        first.record(job("a", "succeeded"));
        first.record(job("b", "waiting"));
        // A crash mid-append leaves a torn last line.
        Files.writeString(file, "{\"id\":\"c\",\"mod", java.nio.file.StandardOpenOption.APPEND);

        List<JobSnapshot> back = new JobJournal(file, json, Clock.systemUTC()).recover(100).jobs();
        assertThat(back).extracting(JobSnapshot::id).containsExactly("a", "b");
        assertThat(back.get(0).state()).isEqualTo("succeeded");
        JobSnapshot b = back.get(1);
        assertThat(b.state()).isEqualTo("failed");
        assertThat(b.error().reason()).isEqualTo(Reason.INTERRUPTED);
        assertThat(b.error().detail()).contains("was waiting").contains("GET /modules/loop");
        assertThat(b.events().get(b.events().size() - 1).type()).isEqualTo(EventType.OUTCOME);
        // Compacted: one line per job, no torn line, no temporary file left.
        assertThat(Files.readAllLines(file)).hasSize(2);
        assertThat(Files.exists(file.resolveSibling("jobs.jsonl.tmp"))).isFalse();
    }

    /** Lines as kmodd 0.1 wrote them, before errno, reason and event types were enums. */
    @Test
    void aJournalOfTheEarlierVersionReadsBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        Files.writeString(file, String.join("\n",
                "{\"id\":\"old1\",\"module\":\"loop\",\"operation\":\"unload\",\"state\":\"failed\",\"requests\":2,"
                        + "\"createdAt\":\"2026-11-20T10:00:00Z\",\"startedAt\":\"2026-11-20T10:00:00Z\","
                        + "\"finishedAt\":\"2026-11-20T10:00:10Z\",\"error\":{\"errno\":\"EAGAIN\",\"reason\":\"timeout\","
                        + "\"detail\":\"still in use: refcnt 1 after 10s; loop stays loaded\"},\"outcome\":\"still in use\","
                        + "\"alreadyLoaded\":false,\"params\":{},\"parentId\":null,\"events\":[{\"seq\":1,"
                        + "\"at\":\"2026-11-20T10:00:00Z\",\"type\":\"queued\",\"state\":\"queued\",\"message\":\"queued\","
                        + "\"data\":{}},{\"seq\":2,\"at\":\"2026-11-20T10:00:01Z\",\"type\":\"attempt\",\"state\":\"running\","
                        + "\"message\":\"delete_module\",\"data\":{\"errno\":\"EAGAIN\",\"attempt\":1}}]}",
                "{\"id\":\"old2\",\"module\":\"xfs\",\"operation\":\"load\",\"state\":\"failed\",\"requests\":1,"
                        + "\"createdAt\":\"2026-11-20T11:00:00Z\",\"startedAt\":null,\"finishedAt\":\"2026-11-20T11:00:01Z\","
                        + "\"error\":{\"errno\":null,\"reason\":\"dependency-failed\",\"detail\":\"dependency libcrc32c failed\"},"
                        + "\"outcome\":\"dependency libcrc32c failed\",\"alreadyLoaded\":false,\"params\":{},\"parentId\":null,"
                        + "\"events\":[]}", ""));
        List<JobSnapshot> back = new JobJournal(file, json, Clock.systemUTC()).recover(10).jobs();
        assertThat(back).extracting(JobSnapshot::id).containsExactly("old1", "old2");
        assertThat(back.get(0).error().errno()).isEqualTo(Errno.EAGAIN);
        assertThat(back.get(0).error().reason()).isEqualTo(Reason.TIMEOUT);
        assertThat(back.get(0).events()).extracting(JobEvent::type).containsExactly(EventType.QUEUED, EventType.ATTEMPT);
        assertThat(back.get(1).error().errno()).isNull();
        assertThat(back.get(1).error().reason()).isEqualTo(Reason.DEPENDENCY_FAILED);
    }

    @Test
    void keepsOnlyTheNewestJobsAndSurvivesAnUnwritablePlace(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        JobJournal j = new JobJournal(file, json, Clock.systemUTC());
        j.recover(10);
        for (int i = 0; i < 5; i++) {
            j.record(job("j" + i, "succeeded"));
        }
        assertThat(new JobJournal(file, json, Clock.systemUTC()).recover(2).jobs()).extracting(JobSnapshot::id)
                .containsExactly("j3", "j4");
        Path blocked = dir.resolve("afile");
        Files.writeString(blocked, "");
        JobJournal off = new JobJournal(blocked.resolve("jobs.jsonl"), json, Clock.systemUTC());
        assertThat(off.recover(10).jobs()).isEmpty();
        assertThat(off.problem()).hasValueSatisfying(p -> assertThat(p).contains("cannot be written"));
        off.record(job("x", "queued"));
    }

    /** A disk with room for {@code room} more bytes: a write past it stores what fits, then fails as ENOSPC does. */
    private static final class FillingDisk implements JobJournal.Appender {
        long room = Long.MAX_VALUE;

        @Override
        public java.io.Writer open(Path file) throws java.io.IOException {
            java.io.OutputStream os = Files.newOutputStream(file, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            return new java.io.Writer() {
                @Override
                public void write(char[] c, int off, int len) throws java.io.IOException {
                    byte[] b = new String(c, off, len).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    int fits = (int) Math.min(b.length, room);
                    os.write(b, 0, fits);
                    room -= fits;
                    if (fits < b.length) {
                        throw new java.io.IOException("No space left on device");
                    }
                }

                @Override
                public void flush() throws java.io.IOException {
                    os.flush();
                }

                @Override
                public void close() throws java.io.IOException {
                    os.close();
                }
            };
        }
    }

    /**
     * A full disk tears a record; once there is room again the journal is writable again by itself (the
     * timer's {@code heal}, no job needed), and the next record starts on a line of its own, so the torn
     * one costs only itself.
     */
    @Test
    void aFullDiskTearsOneRecordAndTheJournalHealsByItselfWhenThereIsRoom(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        FillingDisk disk = new FillingDisk();
        io.kmodd.testing.SteppedClock clock = new io.kmodd.testing.SteppedClock(Instant.parse("2026-12-03T10:00:00Z"));
        JobJournal j = new JobJournal(file, json, clock, 16L << 20, disk);
        j.recover(100);
        j.record(job("a", "succeeded"));
        disk.room = 40;
        j.record(job("b", "succeeded"));
        assertThat(j.problem()).hasValueSatisfying(p -> assertThat(p).contains("No space left on device"));
        assertThat(Files.readString(file)).doesNotEndWith("\n");

        // Not before the retry interval, even with room again.
        disk.room = Long.MAX_VALUE;
        clock.advance(java.time.Duration.ofSeconds(JobJournal.RETRY_SECONDS - 1));
        j.heal();
        assertThat(j.problem()).isPresent();
        clock.advance(java.time.Duration.ofSeconds(2));
        j.heal();
        assertThat(j.problem()).isEmpty();
        assertThat(Files.readString(file)).endsWith("\n");

        j.record(job("c", "succeeded"));
        JobJournal.Recovery back = new JobJournal(file, json, Clock.systemUTC()).recover(100);
        assertThat(back.jobs()).extracting(JobSnapshot::id).containsExactly("a", "c");
        assertThat(back.skippedLines()).isZero();
    }

    /** A compaction that cannot finish leaves the journal as it was and no temporary file beside it. */
    @Test
    void aRewriteThatFailsLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        JobJournal j = new JobJournal(file, json, Clock.systemUTC());
        j.recover(10);
        j.record(job("a", "succeeded"));
        String before = Files.readString(file);
        // The temporary file's name taken by a directory: its write fails as a full disk's would.
        Path tmp = Files.createDirectory(dir.resolve("jobs.jsonl.tmp"));
        JobJournal again = new JobJournal(file, json, Clock.systemUTC());
        assertThat(again.recover(10).jobs()).extracting(JobSnapshot::id).containsExactly("a");
        assertThat(again.problem()).isPresent();
        assertThat(Files.readString(file)).isEqualTo(before);
        Files.delete(tmp);
        assertThat(Files.list(dir)).containsExactly(file);
    }
}
