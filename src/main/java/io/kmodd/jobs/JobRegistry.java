package io.kmodd.jobs;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Every job by id. Unfinished jobs are always kept; finished ones are kept up to a bound, oldest
 * dropped first, so memory stays flat on a long-lived daemon. Thread-safe.
 */
public final class JobRegistry {
    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    /** Jobs of an earlier run of the daemon, read back from the journal; finished and immutable. */
    private final ConcurrentHashMap<String, JobSnapshot> restored = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<String> finished = new ConcurrentLinkedDeque<>();
    private final int retainFinished;
    private final Consumer<JobSnapshot> journal;

    public JobRegistry(int retainFinished) {
        this(retainFinished, s -> {
        });
    }

    /** @param journal told of every job when it is created and when it ends */
    public JobRegistry(int retainFinished, Consumer<JobSnapshot> journal) {
        this.retainFinished = retainFinished;
        this.journal = journal;
    }

    /** Takes back the finished jobs of an earlier run, oldest first. */
    public void restore(List<JobSnapshot> earlier) {
        for (JobSnapshot s : earlier) {
            restored.put(s.id(), s);
            finished.addLast(s.id());
        }
        trim();
    }

    void register(Job job) {
        jobs.put(job.id(), job);
        journal.accept(job.snapshot());
        job.completion().whenComplete((j, t) -> retire(j));
    }

    private void retire(Job job) {
        journal.accept(job.snapshot());
        finished.addLast(job.id());
        trim();
    }

    private void trim() {
        while (finished.size() > retainFinished) {
            String oldest = finished.pollFirst();
            if (oldest != null) {
                jobs.remove(oldest);
                restored.remove(oldest);
            }
        }
    }

    /** A job of this run, which can still be followed and cancelled. */
    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Any job kmodd knows of, this run's or an earlier run's. */
    public Optional<JobSnapshot> snapshot(String id) {
        Job j = jobs.get(id);
        return j != null ? Optional.of(j.snapshot()) : Optional.ofNullable(restored.get(id));
    }

    /** Jobs matching the filter, newest first. */
    public List<JobSnapshot> list(Predicate<JobSnapshot> filter) {
        return Stream.concat(jobs.values().stream().map(Job::snapshot), restored.values().stream())
                .filter(filter)
                .sorted(Comparator.comparing(JobSnapshot::createdAt).reversed())
                .toList();
    }

    /** Seconds since the oldest job now in {@code state} was created, 0 when there is none; for metrics. */
    public double oldestSeconds(JobState state, java.time.Instant now) {
        return jobs.values().stream().filter(j -> j.state() == state).map(Job::createdAt)
                .min(java.util.Comparator.naturalOrder())
                .map(t -> java.time.Duration.between(t, now).toMillis() / 1000.0).orElse(0.0);
    }

    /** How many jobs are in each unfinished state; for metrics. */
    public long count(JobState state) {
        return jobs.values().stream().filter(j -> j.state() == state).count();
    }
}
