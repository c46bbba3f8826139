package io.kmodd.journal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.kmodd.jobs.EventType;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobSnapshot;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal stays bounded while running and is read back as a stream, whatever size it reached. */
class JournalBoundsTest {
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    static JobSnapshot job(String id, String state, int events) {
        Instant t = Instant.parse("2026-11-21T10:00:00Z").plusSeconds(Math.abs(id.hashCode() % 100000));
        List<JobEvent> history = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            history.add(new JobEvent(i + 1, t, i == 0 ? EventType.QUEUED : EventType.REFCNT, state,
                    "refcnt of loop is " + (i % 2), Map.of("refcnt", i % 2)));
        }
        return new JobSnapshot(id, "loop", "unload", state, 1, t, t, state.equals("waiting") ? null : t, null,
                "removed loop", false, Map.of(), null, null, history);
    }

    @Test
    void compactionWhileRunningKeepsTheFileWithinItsBound(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        long max = 64 * 1024;
        JobJournal journal = new JobJournal(file, JSON, Clock.systemUTC(), max);
        journal.recover(100);
        Deque<JobSnapshot> kept = new ArrayDeque<>();
        journal.compactFrom(() -> List.copyOf(kept), () -> Instant.EPOCH);
        long largest = 0;
        for (int i = 0; i < 5000; i++) {
            JobSnapshot s = job("job-" + i, "succeeded", 5);
            kept.addLast(s);
            if (kept.size() > 50) {
                kept.removeFirst();
            }
            journal.record(s);
            largest = Math.max(largest, Files.size(file));
        }
        long retainedBytes = 0;
        for (JobSnapshot s : kept) {
            retainedBytes += JSON.writeValueAsString(s).length() + 1;
        }
        assertThat(journal.compactions()).isGreaterThan(10);
        // The bound: its size limit, or twice what the retention keeps when that is larger; never the history.
        assertThat(largest).isLessThan(Math.max(max, 2 * retainedBytes) + 4096);
        assertThat(largest).isLessThan(5000L * 900 / 20);
        List<JobSnapshot> back = new JobJournal(file, JSON, Clock.systemUTC()).recover(1000).jobs();
        assertThat(back).extracting(JobSnapshot::id).contains("job-4999").doesNotContain("job-0");
        assertThat(back.size()).isLessThanOrEqualTo(50 + (int) (max / 500));
    }

    @Test
    void recordsKeepABoundedHistoryAndOversizedLinesAreSkipped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            w.write(JSON.writeValueAsString(job("long-history", "succeeded", 1000)));
            w.newLine();
            w.write("{\"id\":\"" + "x".repeat(JobJournal.MAX_LINE + 10) + "\"}");
            w.newLine();
            w.write("{\"foo\":1}");
            w.newLine();
            w.write("{\"id\":\"no-time\",\"module\":\"loop\",\"state\":\"succeeded\"}");
            w.newLine();
            w.write(JSON.writeValueAsString(job("after", "succeeded", 3)));
            w.newLine();
        }
        JobJournal.Recovery r = new JobJournal(file, JSON, Clock.systemUTC()).recover(10);
        assertThat(r.jobs()).extracting(JobSnapshot::id).containsExactly("long-history", "after");
        assertThat(r.skippedLines()).isEqualTo(3);
        List<JobEvent> events = r.jobs().get(0).events();
        assertThat(events).hasSize(JobRegistry.KEPT_EVENTS);
        assertThat(events.get(0).seq()).isEqualTo(1);
        assertThat(events.get(events.size() - 1).seq()).isEqualTo(1000);
    }

    @Test
    void recoveryRemembersHowFarItDropped(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        JobJournal j = new JobJournal(file, JSON, Clock.systemUTC());
        j.recover(10);
        List<JobSnapshot> written = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JobSnapshot s = job("j" + i, "succeeded", 1);
            written.add(s);
            j.record(s);
        }
        JobJournal.Recovery r = new JobJournal(file, JSON, Clock.systemUTC()).recover(5);
        assertThat(r.jobs()).extracting(JobSnapshot::id).containsExactly("j15", "j16", "j17", "j18", "j19");
        Instant newestDropped = written.subList(0, 15).stream().map(JobSnapshot::createdAt).max(Instant::compareTo)
                .orElseThrow();
        assertThat(r.droppedUpTo()).isEqualTo(newestDropped);
        // The compacted file keeps that horizon, so the next start knows it too, though it drops nothing.
        assertThat(Files.readAllLines(file).get(0)).startsWith("{\"horizon\"");
        JobJournal.Recovery again = new JobJournal(file, JSON, Clock.systemUTC()).recover(5);
        assertThat(again.jobs()).hasSize(5);
        assertThat(again.droppedUpTo()).isEqualTo(newestDropped);
    }

    @Test
    void boundedLinesReadLinesSkipLongOnesAndKeepALastLineWithoutNewline() throws IOException {
        String text = "a\n\n" + "b".repeat(50) + "\nccc";
        BoundedLines lines = new BoundedLines(new StringReader(text), 10);
        assertThat(lines.next()).contains(new BoundedLines.Line("a", false));
        assertThat(lines.next()).contains(new BoundedLines.Line("", false));
        assertThat(lines.next()).contains(new BoundedLines.Line("", true));
        assertThat(lines.next()).contains(new BoundedLines.Line("ccc", false));
        assertThat(lines.next()).isEmpty();
        assertThat(new BoundedLines(new StringReader(""), 10).next()).isEmpty();
    }

    /**
     * A journal three times the size of the heap it is read with: a child JVM at -Xmx48m recovers a
     * 150 MB journal (jobs of 1000 events each, written again and again) and keeps its newest jobs.
     */
    @Test
    void aJournalLargerThanTheHeapIsReadAsAStream(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("jobs.jsonl");
        String bigLine = JSON.writeValueAsString(job("00000000-0000-4000-8000-000000000000", "succeeded", 1000));
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            int i = 0;
            while (Files.size(file) < 150L << 20 || i < 2000) {
                JobSnapshot s = job(new UUID(0, i++).toString(), i % 7 == 0 ? "waiting" : "succeeded", 1000);
                w.write(JSON.writeValueAsString(s));
                w.newLine();
                if (i % 500 == 0) {
                    w.flush();
                }
            }
        }
        assertThat(Files.size(file)).isGreaterThan(3L * (48L << 20));
        assertThat(bigLine.length()).isGreaterThan(50_000);
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx48m",
                "-cp", System.getProperty("java.class.path"), JournalRecoveryMain.class.getName(), file.toString(), "1000")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("jobs=1000").doesNotContain("OutOfMemoryError");
        assertThat(Files.size(file)).as("compacted at recovery").isLessThan(1000L * 64 * 300);
        Optional<String> line = Files.lines(file).findFirst();
        assertThat(line).isPresent();
    }
}
