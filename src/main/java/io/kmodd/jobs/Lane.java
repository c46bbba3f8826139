package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One module's serial queue. Jobs run one at a time, in order, on a thread named
 * {@code kmodd-lane-MODULE} that exists only while the lane has work. The merge rule: a request joins
 * the job last queued on the lane when that job is unfinished and has the request's
 * {@link JobSpec.MergeKey}, so parallel loads become one kernel load; a request never joins a job that
 * an opposite job follows, which keeps "load, unload, load" meaning what it says. Thread-safe; the
 * monitor guards the tail and the count.
 */
final class Lane {
    private final ModuleName module;
    private final int capacity;
    private final JobRunner runner;
    private final ThreadPoolExecutor executor;
    private Job tail;
    private int unfinished;

    Lane(ModuleName module, int capacity, JobRunner runner) {
        this.module = module;
        this.capacity = capacity;
        this.runner = runner;
        this.executor = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "kmodd-lane-" + module.value());
            t.setDaemon(true);
            return t;
        });
    }

    record Submission(Job job, boolean joined) {
    }

    /**
     * Joins the tail when the merge rule allows; otherwise queues the job {@code newJob} makes, whose
     * {@code work} the lane's runner runs when its turn comes.
     *
     * @throws RefusedException when the lane already holds {@code capacity} unfinished jobs
     */
    synchronized Submission submit(JobSpec.MergeKey key, Supplier<Job> newJob, JobRunner.Work work) {
        Optional<Submission> joined = tryJoin(key);
        if (joined.isPresent()) {
            return joined.get();
        }
        if (unfinished >= capacity) {
            throw new RefusedException(Refusal.QUEUE_FULL, "the queue of " + module + " already holds " + unfinished
                    + " unfinished jobs (the limit); retry when some have finished");
        }
        Job job = newJob.get();
        tail = job;
        unfinished++;
        job.completion().whenComplete((j, t) -> released());
        executor.execute(() -> runner.run(job, work));
        return new Submission(job, false);
    }

    /** Joins the tail when it is unfinished and has {@code key}. */
    synchronized Optional<Submission> tryJoin(JobSpec.MergeKey key) {
        if (tail != null && tail.spec().mergeKey().equals(key) && tail.join()) {
            return Optional.of(new Submission(tail, true));
        }
        return Optional.empty();
    }

    /** Whether a job is queued or running here, in which case the lane, not a fast path, must answer. */
    synchronized boolean busy() {
        return unfinished > 0;
    }

    private synchronized void released() {
        unfinished--;
    }

    void shutdown() {
        executor.shutdownNow();
    }
}
