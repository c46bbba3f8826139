package io.kmodd.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Every job kmodd keeps, by id. Unfinished jobs are always kept, live. A finished job is kept as an
 * immutable snapshot with its first event and its latest {@value #KEPT_EVENTS} less one, for as long as
 * the retention allows: at most {@code retainFinished} of them, none older than {@code retainFor}, the
 * oldest dropped first. What was dropped is remembered only as a horizon (the newest creation time
 * dropped), so that a well-formed id from before it is answered as gone rather than unknown. Memory is
 * thus bounded by the retention, however long the daemon runs. Thread-safe.
 */
public final class JobRegistry {
    /** Events a finished job keeps: the first, and the latest ones. */
    public static final int KEPT_EVENTS = 64;

    private final ConcurrentHashMap<String, Job> live = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, JobSnapshot> finished = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<String> finishOrder = new ConcurrentLinkedDeque<>();
    private final int retainFinished;
    private final Duration retainFor;
    private final Clock clock;
    private final Consumer<JobSnapshot> journal;
    private volatile Instant horizon = Instant.EPOCH;

    public JobRegistry(int retainFinished) {
        this(retainFinished, Duration.ofDays(36500), Clock.systemUTC(), s -> {
        });
    }

    public JobRegistry(int retainFinished, Consumer<JobSnapshot> journal) {
        this(retainFinished, Duration.ofDays(36500), Clock.systemUTC(), journal);
    }

    /** @param journal told of every job when it is made and when it ends */
    public JobRegistry(int retainFinished, Duration retainFor, Clock clock, Consumer<JobSnapshot> journal) {
        this.retainFinished = retainFinished;
        this.retainFor = retainFor;
        this.clock = clock;
        this.journal = journal;
    }

    /** What a lookup by id found. */
    public sealed interface Lookup {
    }

    public record Found(JobSnapshot job) implements Lookup {
    }

    /** Not kept: the id predates what the retention still holds. */
    public record Gone(Instant horizon) implements Lookup {
    }

    public record Unknown() implements Lookup {
    }

    /** Takes back the finished jobs of an earlier run, oldest first, and the horizon of what that run dropped. */
    public void restore(List<JobSnapshot> earlier, Instant droppedUpTo) {
        forget(droppedUpTo);
        for (JobSnapshot s : earlier) {
            finished.put(s.id(), s.withHistoryOf(KEPT_EVENTS));
            finishOrder.addLast(s.id());
        }
        trim();
    }

    public void restore(List<JobSnapshot> earlier) {
        restore(earlier, Instant.EPOCH);
    }

    void register(Job job) {
        live.put(job.id(), job);
        journal.accept(job.snapshot());
        job.completion().whenComplete((j, t) -> retire(j));
    }

    private void retire(Job job) {
        JobSnapshot s = job.snapshot().withHistoryOf(KEPT_EVENTS);
        finished.put(s.id(), s);
        live.remove(s.id());
        finishOrder.addLast(s.id());
        journal.accept(s);
        trim();
    }

    private void trim() {
        Instant tooOld = clock.instant().minus(retainFor);
        while (true) {
            String oldest = finishOrder.peekFirst();
            if (oldest == null) {
                return;
            }
            JobSnapshot s = finished.get(oldest);
            boolean expired = s == null || s.finishedAt() == null || s.finishedAt().isBefore(tooOld);
            if (finishOrder.size() <= retainFinished && !expired) {
                return;
            }
            if (finishOrder.remove(oldest) && s != null) {
                finished.remove(oldest);
                forget(s.createdAt());
            }
        }
    }

    private synchronized void forget(Instant createdAt) {
        if (createdAt != null && createdAt.isAfter(horizon)) {
            horizon = createdAt;
        }
    }

    /** A job of this run that has not finished: it can still be followed and cancelled. */
    public Optional<Job> find(String id) {
        return Optional.ofNullable(live.get(id));
    }

    /** Any job kmodd keeps, this run's or an earlier run's. */
    public Optional<JobSnapshot> snapshot(String id) {
        Job j = live.get(id);
        return j != null ? Optional.of(j.snapshot()) : Optional.ofNullable(finished.get(id));
    }

    /** The job, or whether its id is from before the retention horizon. */
    public Lookup lookup(String id) {
        trim();
        Optional<JobSnapshot> s = snapshot(id);
        if (s.isPresent()) {
            return new Found(s.get());
        }
        Instant h = horizon;
        return JobIds.createdAt(id).filter(t -> !t.isAfter(h)).<Lookup>map(t -> new Gone(h)).orElse(new Unknown());
    }

    /** The horizon: jobs made at or before it may have been dropped. */
    public Instant horizon() {
        return horizon;
    }

    /** One page of jobs matching the filter, newest first, without their events. */
    public record Page(List<JobSnapshot> jobs, Optional<String> next) {
    }

    private static final Comparator<JobSnapshot> NEWEST_FIRST = Comparator.comparing(JobSnapshot::createdAt)
            .thenComparing(JobSnapshot::id).reversed();

    /** Where a page starts: after the job made at {@code createdAt} with {@code id}, newest first. */
    public record Cursor(Instant createdAt, String id) {
        /**
         * The cursor for job {@code id}: from the job if kept, else from the time in its id, so that a walk
         * goes on when the job it stopped at has been dropped meanwhile; empty for an id that says no time.
         */
        public static Optional<Cursor> after(String id, JobRegistry registry) {
            return registry.snapshot(id).map(s -> new Cursor(s.createdAt(), s.id()))
                    .or(() -> JobIds.createdAt(id).map(t -> new Cursor(t, id)));
        }
    }

    private static boolean isAfter(JobSnapshot s, Cursor c) {
        int byTime = s.createdAt().compareTo(c.createdAt());
        return byTime < 0 || byTime == 0 && s.id().compareTo(c.id()) < 0;
    }

    /**
     * At most {@code limit} jobs matching {@code filter}, newest first, starting after {@code after} (the last
     * job of the previous page) when given.
     */
    public Page page(Predicate<JobSnapshot> filter, Optional<Cursor> after, int limit) {
        trim();
        List<JobSnapshot> all = Stream.concat(live.values().stream().map(Job::snapshot), finished.values().stream())
                .map(JobSnapshot::withoutEvents)
                .filter(filter)
                .filter(s -> after.map(c -> isAfter(s, c)).orElse(true))
                .sorted(NEWEST_FIRST)
                .limit(limit + 1L)
                .toList();
        if (all.size() <= limit) {
            return new Page(all, Optional.empty());
        }
        List<JobSnapshot> page = all.subList(0, limit);
        return new Page(List.copyOf(page), Optional.of(page.get(limit - 1).id()));
    }

    /** Jobs matching the filter, newest first, without their events. */
    public List<JobSnapshot> list(Predicate<JobSnapshot> filter) {
        return page(filter, Optional.empty(), Integer.MAX_VALUE - 1).jobs();
    }

    /** Everything kept, oldest first: what a compacted journal holds. */
    public List<JobSnapshot> retained() {
        List<JobSnapshot> all = new ArrayList<>(finished.values());
        live.values().forEach(j -> all.add(j.snapshot().withHistoryOf(KEPT_EVENTS)));
        all.sort(Comparator.comparing(JobSnapshot::createdAt));
        return all;
    }

    /** This run's unfinished jobs. */
    public List<Job> unfinished() {
        return live.values().stream().filter(j -> !j.state().finished()).toList();
    }

    /** Seconds since the oldest job now in {@code state} was created, 0 when there is none; for metrics. */
    public double oldestSeconds(JobState state, Instant now) {
        return live.values().stream().filter(j -> j.state() == state).map(Job::createdAt)
                .min(Comparator.naturalOrder())
                .map(t -> Duration.between(t, now).toMillis() / 1000.0).orElse(0.0);
    }

    /** How many jobs are in each unfinished state; for metrics. */
    public long count(JobState state) {
        return live.values().stream().filter(j -> j.state() == state).count();
    }

    /** How many finished jobs are kept. */
    public int finishedKept() {
        return finished.size();
    }
}
