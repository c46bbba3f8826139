package io.kmodd.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.jobs.EventType;
import io.kmodd.jobs.JobError;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.JobState;
import io.kmodd.jobs.Reason;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Keeps jobs across daemon restarts, so that a caller polling /jobs/{id} after a restart gets an
 * answer rather than a 404. Every job is appended as a JSON line when it is created and when it ends.
 * At start-up the file is read back: the last record of each job wins, jobs that never ended are
 * reported as failed with reason {@code interrupted} (the module is as the kernel says; kmodd does not
 * guess), and the file is rewritten compacted through a temporary file, fsync and rename, so a crash
 * mid-write never leaves a half file. A journal that cannot be written is switched off with a warning,
 * never a crash. Thread-safe: appends are serialized.
 */
public final class JobJournal {
    private static final Logger LOG = Logger.getLogger(JobJournal.class);

    private final Path file;
    private final ObjectMapper json;
    private final Clock clock;
    private BufferedWriter out;

    public JobJournal(Path file, ObjectMapper json, Clock clock) {
        this.file = file;
        this.json = json;
        this.clock = clock;
    }

    /** Reads back the jobs of earlier runs (at most {@code keep}, newest kept), and opens the journal for appends. */
    public synchronized List<JobSnapshot> recover(int keep) {
        Map<String, JobSnapshot> last = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JobSnapshot s = json.readValue(line, JobSnapshot.class);
                    last.remove(s.id());
                    last.put(s.id(), s);
                } catch (IOException e) {
                    // A torn last line from a crash: everything before it is intact.
                    LOG.warnf("job journal %s: skipping an unreadable line", file);
                }
            }
        } catch (NoSuchFileException e) {
            // First start.
        } catch (IOException e) {
            LOG.warnf("job journal %s cannot be read (%s); jobs of earlier runs are not shown", file, e.getMessage());
        }
        List<JobSnapshot> jobs = new ArrayList<>();
        for (JobSnapshot s : last.values()) {
            jobs.add(JobState.parse(s.state()).map(JobState::finished).orElse(false) ? s : interrupted(s));
        }
        if (jobs.size() > keep) {
            jobs = new ArrayList<>(jobs.subList(jobs.size() - keep, jobs.size()));
        }
        try {
            rewrite(jobs);
            out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            LOG.warnf("job journal %s cannot be written (%s); jobs will not survive a restart", file, e.getMessage());
            out = null;
        }
        return jobs;
    }

    private JobSnapshot interrupted(JobSnapshot s) {
        Instant now = clock.instant();
        String detail = "kmodd stopped while this job was " + s.state()
                + "; it did not finish. The module is as the kernel says: see GET /modules/" + s.module();
        List<JobEvent> events = new ArrayList<>(s.events() == null ? List.of() : s.events());
        long seq = events.isEmpty() ? 1 : events.get(events.size() - 1).seq() + 1;
        events.add(new JobEvent(seq, now, EventType.OUTCOME, "failed", detail, Map.of("reason", Reason.INTERRUPTED)));
        return new JobSnapshot(s.id(), s.module(), s.operation(), "failed", s.requests(), s.createdAt(),
                s.startedAt() == null ? s.createdAt() : s.startedAt(), now,
                new JobError(null, Reason.INTERRUPTED, detail), detail, false, s.params(), s.parentId(), events);
    }

    private void rewrite(List<JobSnapshot> jobs) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            for (JobSnapshot s : jobs) {
                w.write(json.writeValueAsString(s));
                w.newLine();
            }
        }
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Appends one record; a failure switches the journal off rather than failing the job. */
    public synchronized void record(JobSnapshot s) {
        if (out == null) {
            return;
        }
        try {
            out.write(json.writeValueAsString(s));
            out.newLine();
            out.flush();
        } catch (IOException e) {
            LOG.warnf("job journal %s: write failed (%s); switching it off", file, e.getMessage());
            out = null;
        }
    }
}
