package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One module's serial queue. Jobs run one at a time, in order; a lane owns no thread: its head job's
 * steps run on the shared workers and its waits on the shared timer, and the next job starts when the
 * head's outcome has been applied. The merge rule: a request joins the job last queued on the lane when
 * that job is unfinished and has the request's {@link JobSpec.MergeKey}, so parallel loads become one
 * kernel load; a request never joins a job that an opposite job follows, which keeps "load, unload,
 * load" meaning what it says. Thread-safe; the monitor guards the queue, the tail and the count.
 */
final class Lane {
    private record Pending(Job job, JobStarter.Work work) {
    }

    private final ModuleName module;
    private final int capacity;
    private final JobStarter runner;
    private final Quota quota;
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private boolean running;
    private Job tail;
    private int unfinished;

    /** Takes a place among all lanes' unfinished jobs, or refuses; gives it back when the job ends. */
    interface Quota {
        void admit(ModuleName module);

        void release();
    }

    Lane(ModuleName module, int capacity, JobStarter runner, Quota quota) {
        this.module = module;
        this.capacity = capacity;
        this.runner = runner;
        this.quota = quota;
    }

    record Submission(Job job, boolean joined) {
    }

    /**
     * Joins the tail when the merge rule allows; otherwise queues the job {@code newJob} makes, whose
     * {@code work} runs when its turn comes.
     *
     * @throws RefusedException when this lane already holds {@code capacity} unfinished jobs, or all lanes
     *     together hold as many as kmodd takes
     */
    synchronized Submission submit(JobSpec.MergeKey key, Supplier<Job> newJob, JobStarter.Work work) {
        Optional<Submission> joined = tryJoin(key);
        if (joined.isPresent()) {
            return joined.get();
        }
        if (unfinished >= capacity) {
            throw new RefusedException(Refusal.QUEUE_FULL, "the queue of " + module + " already holds " + unfinished
                    + " unfinished jobs (the limit); retry when some have finished");
        }
        quota.admit(module);
        Job job;
        try {
            job = newJob.get();
        } catch (RuntimeException | Error e) {
            quota.release();
            throw e;
        }
        tail = job;
        unfinished++;
        job.completion().whenComplete((j, t) -> released(j));
        queue.add(new Pending(job, work));
        if (!running) {
            startNext();
        }
        return new Submission(job, false);
    }

    private synchronized void startNext() {
        Pending next = queue.poll();
        running = next != null;
        if (running) {
            runner.start(next.job(), next.work()).whenComplete((v, t) -> startNext());
        }
    }

    /** Joins the tail when it is unfinished and has {@code key}. */
    synchronized Optional<Submission> tryJoin(JobSpec.MergeKey key) {
        if (tail != null && tail.spec().mergeKey().equals(key) && tail.join()) {
            return Optional.of(new Submission(tail, true));
        }
        return Optional.empty();
    }

    /** The job queued last, while it is unfinished: what a new request would run after. */
    synchronized Optional<Job> unfinishedTail() {
        return tail != null && !tail.isFinished() ? Optional.of(tail) : Optional.empty();
    }

    /** Whether a job is queued or running here, in which case the lane, not a fast path, must answer. */
    synchronized boolean busy() {
        return unfinished > 0;
    }

    private void released(Job job) {
        boolean neverStarted;
        synchronized (this) {
            unfinished--;
            // A job cancelled while queued leaves the queue now, not when its turn would have come.
            neverStarted = queue.removeIf(p -> p.job() == job);
        }
        quota.release();
        if (neverStarted) {
            runner.notStarted(job);
        }
    }
}
