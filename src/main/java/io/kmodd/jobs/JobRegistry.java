package io.kmodd.jobs;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Predicate;

/**
 * Every job by id. Unfinished jobs are always kept; finished ones are kept up to a bound, oldest
 * dropped first, so memory stays flat on a long-lived daemon. Thread-safe.
 */
public final class JobRegistry {
    private final ConcurrentHashMap<String, Job> jobs = new ConcurrentHashMap<>();
    private final ConcurrentLinkedDeque<String> finished = new ConcurrentLinkedDeque<>();
    private final int retainFinished;

    public JobRegistry(int retainFinished) {
        this.retainFinished = retainFinished;
    }

    void register(Job job) {
        jobs.put(job.id(), job);
        job.completion().whenComplete((j, t) -> retire(j));
    }

    private void retire(Job job) {
        finished.addLast(job.id());
        while (finished.size() > retainFinished) {
            String oldest = finished.pollFirst();
            if (oldest != null) {
                jobs.remove(oldest);
            }
        }
    }

    public Optional<Job> find(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    /** Jobs matching the filter, newest first. */
    public List<JobSnapshot> list(Predicate<JobSnapshot> filter) {
        return jobs.values().stream()
                .map(Job::snapshot)
                .filter(filter)
                .sorted(Comparator.comparing(JobSnapshot::createdAt).reversed())
                .toList();
    }

    /** How many jobs are in each unfinished state; for metrics. */
    public long count(JobState state) {
        return jobs.values().stream().filter(j -> j.state() == state).count();
    }
}
