package io.kmodd.journal;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.jobs.EventType;
import io.kmodd.jobs.JobError;
import io.kmodd.jobs.JobEvent;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.Reason;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Keeps jobs across daemon restarts, so that a caller polling /jobs/{id} after a restart gets an answer
 * rather than a 404. Every job is appended as a JSON line when it is made and when it ends, with at most
 * {@value JobRegistry#KEPT_EVENTS} of its events. The file is bounded by construction: once it passes
 * its size bound (and twice its last compacted size) it is rewritten from what the registry keeps
 * (itself bounded by the retention), through a temporary file, fsync and rename, so a crash mid-write
 * never leaves a half file. At start-up it is read back as a stream, one bounded line at a time and never
 * more than the retention in memory: the last record of each job wins, jobs that never ended are
 * reported as failed with reason {@code interrupted} (the module is as the kernel says; kmodd does not
 * guess), torn or oversized lines are skipped. A journal that cannot be read or written is reported by
 * {@link #problem()} (readiness shows it) and retried every {@value #RETRY_SECONDS} s; jobs never fail for
 * its sake. Thread-safe: every operation is serialized.
 */
public final class JobJournal {
    private static final Logger LOG = Logger.getLogger(JobJournal.class);
    /** Longer lines are not kmodd's: a job record stays far below this. */
    static final int MAX_LINE = 1 << 20;
    /** How often a journal that cannot be written is tried again. */
    public static final int RETRY_SECONDS = 2;
    /** The room a reopened journal needs on its filesystem: a record is far smaller, a compaction may not be. */
    static final long MIN_FREE = 256 << 10;

    /** What start-up read back: the jobs kept, and the newest creation time of those dropped. */
    public record Recovery(List<JobSnapshot> jobs, Instant droppedUpTo, int skippedLines) {
    }

    private final Path file;
    private final ObjectMapper json;
    private final Clock clock;
    private final long maxBytes;
    private Supplier<List<JobSnapshot>> retained = List::of;
    private Supplier<Instant> horizon = () -> Instant.EPOCH;
    private final Appender appender;
    private Writer out;
    private long size;
    private long compactedSize;
    private Instant lastFailure = Instant.EPOCH;
    private volatile String problem;
    private long compactions;

    public JobJournal(Path file, ObjectMapper json, Clock clock) {
        this(file, json, clock, 16L << 20);
    }

    /** @param maxBytes the size past which the journal is compacted while running */
    public JobJournal(Path file, ObjectMapper json, Clock clock, long maxBytes) {
        this(file, json, clock, maxBytes,
                f -> Files.newBufferedWriter(f, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND));
    }

    /** How the journal is opened for appends; tests put a disk that fills up here. */
    interface Appender {
        Writer open(Path file) throws IOException;
    }

    JobJournal(Path file, ObjectMapper json, Clock clock, long maxBytes, Appender appender) {
        this.appender = appender;
        this.file = file;
        this.json = json.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.clock = clock;
        this.maxBytes = maxBytes;
    }

    /** A journal that keeps nothing ({@code kmodd.jobs.journal=none}): jobs do not survive a restart. */
    public static JobJournal off(ObjectMapper json) {
        return new JobJournal(null, json, Clock.systemUTC(), Long.MAX_VALUE);
    }

    public boolean enabled() {
        return file != null;
    }

    /**
     * Where a compaction takes the jobs to keep from (the registry's retained jobs) and the horizon of those
     * it dropped, which the compacted file keeps in its first line so that ids from before it still answer
     * 410 after a restart.
     */
    public synchronized void compactFrom(Supplier<List<JobSnapshot>> jobs, Supplier<Instant> droppedUpTo) {
        this.retained = jobs;
        this.horizon = droppedUpTo;
    }

    /** The first line of a compacted journal: how far the retention had dropped jobs. */
    private record Horizon(Instant horizon) {
    }

    /** Why the journal cannot be read or written now; empty when it works. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    public Path file() {
        return file;
    }

    synchronized long compactions() {
        return compactions;
    }

    /**
     * Reads back the jobs of earlier runs (at most {@code keep}, the newest kept), rewrites the file
     * compacted and opens it for appends.
     */
    public synchronized Recovery recover(int keep) {
        if (file == null) {
            return new Recovery(List.of(), Instant.EPOCH, 0);
        }
        LinkedHashMap<String, JobSnapshot> last = new LinkedHashMap<>();
        Instant dropped = Instant.EPOCH;
        int skipped = 0;
        problem = null;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            BoundedLines lines = new BoundedLines(r, MAX_LINE);
            for (Optional<BoundedLines.Line> l = lines.next(); l.isPresent(); l = lines.next()) {
                if (l.get().tooLong()) {
                    skipped++;
                    continue;
                }
                String line = l.get().text();
                if (line.isBlank()) {
                    continue;
                }
                if (line.startsWith("{\"horizon\"")) {
                    try {
                        Instant h = json.readValue(line, Horizon.class).horizon();
                        dropped = h != null && h.isAfter(dropped) ? h : dropped;
                    } catch (IOException e) {
                        skipped++;
                    }
                    continue;
                }
                JobSnapshot s;
                try {
                    s = json.readValue(line, JobSnapshot.class).withHistoryOf(JobRegistry.KEPT_EVENTS);
                } catch (IOException | IllegalArgumentException e) {
                    // A torn last line from a crash: everything before it is intact.
                    skipped++;
                    continue;
                }
                if (s.id() == null || s.createdAt() == null || s.state() == null || s.module() == null) {
                    // Parseable, but not a job record of kmodd's.
                    skipped++;
                    continue;
                }
                last.remove(s.id());
                last.put(s.id(), s);
                if (last.size() > keep) {
                    Iterator<JobSnapshot> oldest = last.values().iterator();
                    Instant t = oldest.next().createdAt();
                    oldest.remove();
                    dropped = t != null && t.isAfter(dropped) ? t : dropped;
                }
            }
        } catch (NoSuchFileException e) {
            // First start.
        } catch (IOException e) {
            fail("cannot be read (" + e.getMessage() + "); jobs of earlier runs are not shown");
        }
        if (skipped > 0) {
            LOG.warnf("job journal %s: skipped %d unreadable line(s)", file, skipped);
        }
        List<JobSnapshot> jobs = new ArrayList<>(last.size());
        for (JobSnapshot s : last.values()) {
            jobs.add(s.finished() ? s : interrupted(s));
        }
        try {
            rewrite(jobs, dropped);
        } catch (IOException e) {
            fail("cannot be written (" + e.getMessage() + "); jobs will not survive a restart until it can");
        }
        return new Recovery(jobs, dropped, skipped);
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
                new JobError(null, Reason.INTERRUPTED, detail), detail, false, s.params(), s.effectiveParams(), s.parentId(), events);
    }

    /** Replaces the file with {@code jobs}, atomically, and reopens it for appends. */
    private void rewrite(List<JobSnapshot> jobs, Instant droppedUpTo) throws IOException {
        closeQuietly();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                if (droppedUpTo.isAfter(Instant.EPOCH)) {
                    w.write(json.writeValueAsString(new Horizon(droppedUpTo)));
                    w.newLine();
                }
                for (JobSnapshot s : jobs) {
                    w.write(json.writeValueAsString(s));
                    w.newLine();
                }
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException e) {
            // A full disk: the journal stays as it was, and no half-written copy is left beside it.
            if (Files.isRegularFile(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(tmp);
            }
            throw e;
        }
        open();
        compactedSize = size;
    }

    private void open() throws IOException {
        out = appender.open(file);
        size = Files.size(file);
        problem = null;
    }

    /** Appends one record; compacts when the file has grown past its bound. Never fails the caller. */
    public synchronized void record(JobSnapshot s) {
        if (file == null || out == null && !reopen()) {
            return;
        }
        try {
            String line = json.writeValueAsString(s.withHistoryOf(JobRegistry.KEPT_EVENTS));
            out.write(line + "\n");
            out.flush();
            size += line.length() + 1L;
            if (size > maxBytes && size > 2 * compactedSize) {
                rewrite(retained.get(), horizon.get());
                compactions++;
            }
        } catch (IOException | RuntimeException e) {
            fail("cannot be written (" + e + "); jobs will not survive a restart until it can");
        }
    }

    /**
     * Tries again to open a journal that could not be written, once {@value #RETRY_SECONDS} s have passed
     * since it failed; kmodd calls it on a timer, so that readiness comes back by itself on a host where no
     * job is being recorded. Does nothing while the journal works.
     */
    public synchronized void heal() {
        if (file != null && out == null) {
            reopen();
        }
    }

    private boolean reopen() {
        if (Duration.between(lastFailure, clock.instant()).toSeconds() < RETRY_SECONDS) {
            return false;
        }
        try {
            long free = Files.getFileStore(file.toAbsolutePath().getParent()).getUsableSpace();
            if (free < MIN_FREE) {
                fail("cannot be written (No space left on device: " + free + " bytes free on its filesystem);"
                        + " jobs will not survive a restart until it can");
                return false;
            }
            dropTornTail();
            open();
            LOG.infof("job journal %s: writable again", file);
            return true;
        } catch (IOException e) {
            fail("cannot be written (" + e.getMessage() + "); jobs will not survive a restart until it can");
            return false;
        }
    }

    /**
     * Cuts the file back to its last complete line. A write that failed half way (ENOSPC, EIO) leaves the
     * start of a record without its newline; appending the next record to it would lose both when the
     * journal is read back.
     */
    private void dropTornTail() throws IOException {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long end = ch.size();
            long keep = end;
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8192);
            search:
            while (keep > 0) {
                long from = Math.max(0, keep - buf.capacity());
                buf.clear().limit((int) (keep - from));
                while (buf.hasRemaining() && ch.read(buf, from + buf.position()) >= 0) {
                    // Read the whole chunk.
                }
                for (int i = buf.position() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        keep = from + i + 1;
                        break search;
                    }
                }
                keep = from;
            }
            if (keep < end) {
                ch.truncate(keep);
                ch.force(true);
                LOG.warnf("job journal %s: dropped the %d bytes of a record whose write had failed", file, end - keep);
            }
        }
    }

    private void fail(String why) {
        if (problem == null) {
            LOG.warnf("job journal %s %s", file, why);
        }
        problem = "job journal " + file + " " + why;
        lastFailure = clock.instant();
        closeQuietly();
    }

    private void closeQuietly() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException ignored) {
                // Closing a broken journal: nothing more to learn.
            }
            out = null;
        }
    }

    /** Flushes and closes the journal (kmodd is stopping). */
    public synchronized void close() {
        closeQuietly();
    }
}
