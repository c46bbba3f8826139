package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One module's serial queue. Jobs run one at a time, in order, on a thread named
 * {@code kmodd-lane-MODULE} that exists only while the lane has work. A request joins the last job
 * queued on the lane when that job is unfinished and of the same kind, so parallel loads become one
 * kernel load; a request never joins a job that an opposite job follows, which keeps "load, unload,
 * load" meaning what it says. Thread-safe; the monitor guards the tail and the count.
 */
final class Lane {
    private final ModuleName module;
    private final int capacity;
    private final ThreadPoolExecutor executor;
    private Job tail;
    private int unfinished;

    Lane(ModuleName module, int capacity) {
        this.module = module;
        this.capacity = capacity;
        this.executor = new ThreadPoolExecutor(0, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "kmodd-lane-" + module.value());
            t.setDaemon(true);
            return t;
        });
    }

    record Submission(Job job, boolean joined) {
    }

    /**
     * Joins the tail when it is an unfinished {@code operation} job that {@code compatible} accepts;
     * otherwise queues the job {@code factory} makes, to be run by {@code runner} on the lane thread.
     *
     * @throws RefusedException when the lane already holds {@code capacity} unfinished jobs
     */
    synchronized Submission submit(Operation operation, Predicate<Job> compatible, Supplier<Job> factory,
            Consumer<Job> runner) {
        Optional<Submission> joined = tryJoin(operation, compatible);
        if (joined.isPresent()) {
            return joined.get();
        }
        if (unfinished >= capacity) {
            throw new RefusedException(Refusal.QUEUE_FULL, "the queue of " + module + " already holds " + unfinished
                    + " unfinished jobs (the limit); retry when some have finished");
        }
        Job job = factory.get();
        tail = job;
        unfinished++;
        job.completion().whenComplete((j, t) -> released());
        executor.execute(() -> runner.accept(job));
        return new Submission(job, false);
    }

    /** Joins the tail when it is an unfinished {@code operation} job that {@code compatible} accepts. */
    synchronized Optional<Submission> tryJoin(Operation operation, Predicate<Job> compatible) {
        if (tail != null && tail.operation() == operation && compatible.test(tail) && tail.join()) {
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
