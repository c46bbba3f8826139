package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One execution of a job: the steps a runner takes (enter a state, record an event, wait) and the time
 * they take. Waiting is one primitive, {@link #until}: check a condition on a worker thread, and while it
 * does not hold and the deadline has not passed, arm a timer for the next check. A waiting job therefore
 * holds a timer entry, never a thread, and a cancel ends the wait at once, on the cancelling thread. Steps
 * run one at a time (each
 * stage of a run is handed to the next through the executor or a future, which orders their memory
 * effects), so a run needs no lock of its own.
 */
final class JobRun {
    /** A condition checked once per poll: a value when it holds, empty to keep waiting. */
    @FunctionalInterface
    interface Poll<T> {
        Optional<T> check();
    }

    private final Job job;
    private final Ticker ticker;
    private final Executor workers;
    private final long start;
    private final AtomicLong waitedNanos = new AtomicLong();

    JobRun(Job job, Ticker ticker, Executor workers) {
        this.job = job;
        this.ticker = ticker;
        this.workers = workers;
        this.start = ticker.nanoTime();
    }

    Job job() {
        return job;
    }

    ModuleName module() {
        return job.module();
    }

    Executor workers() {
        return workers;
    }

    long now() {
        return ticker.nanoTime();
    }

    /** The ticker time {@code d} after this run started. */
    long deadlineAfter(Duration d) {
        return start + d.toNanos();
    }

    Duration elapsed() {
        return Duration.ofNanos(ticker.nanoTime() - start);
    }

    /** Time spent between the checks of {@link #until}. */
    Duration waited() {
        return Duration.ofNanos(waitedNanos.get());
    }

    /** Moves the job to {@code state}, or ends the run as cancelled with {@code onCancel}'s message. */
    void enter(JobState state, String message, Supplier<String> onCancel) {
        if (!job.enter(state, message)) {
            throw new JobEnded(job.stopping() ? job.interrupted() : new Outcome.Cancelled(onCancel.get()));
        }
    }

    void event(EventType type, String message, Map<String, Object> data) {
        job.event(type, message, data);
    }

    void progress(String message, Map<String, Object> data) {
        job.progress(elapsed(), message, data);
    }

    /**
     * Checks {@code poll} every {@code interval} until it yields a value or {@code deadline} passes
     * (empty). The condition is checked at once, on the calling worker thread, and always at least once
     * even with a deadline already past; later checks run on worker threads. A cancel ends the wait at
     * once with {@code onCancel}'s message; a job ended from outside (kmodd stopping) ends it too.
     */
    <T> CompletableFuture<Optional<T>> until(Poll<T> poll, long deadline, Duration interval, Supplier<String> onCancel) {
        Wait<T> wait = new Wait<>(poll, deadline, interval.toNanos(), onCancel);
        job.onCancel(wait::cancelled);
        wait.check();
        return wait.result.whenComplete((v, t) -> job.onCancel(() -> {
        }));
    }

    /** On a worker; inline when the workers are gone (kmodd stopping), so that a wait still ends. */
    private void execute(Runnable r) {
        try {
            workers.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            r.run();
        }
    }

    private final class Wait<T> {
        final CompletableFuture<Optional<T>> result = new CompletableFuture<>();
        final Poll<T> poll;
        final long deadline;
        final long interval;
        final Supplier<String> onCancel;
        volatile Runnable timer = () -> {
        };
        long sleptAt;

        Wait(Poll<T> poll, long deadline, long interval, Supplier<String> onCancel) {
            this.poll = poll;
            this.deadline = deadline;
            this.interval = interval;
            this.onCancel = onCancel;
        }

        void check() {
            if (result.isDone()) {
                return;
            }
            try {
                Optional<T> value = poll.check();
                if (value.isPresent()) {
                    result.complete(value);
                    return;
                }
                long now = ticker.nanoTime();
                if (now >= deadline) {
                    result.complete(Optional.empty());
                    return;
                }
                if (job.cancelRequested() || job.isFinished()) {
                    cancelled();
                    return;
                }
                sleptAt = now;
                timer = ticker.schedule(() -> execute(this::woke), Math.min(interval, deadline - now));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }

        void woke() {
            waitedNanos.addAndGet(ticker.nanoTime() - sleptAt);
            check();
        }

        void cancelled() {
            timer.run();
            result.completeExceptionally(new JobEnded(job.stopping() ? job.interrupted()
                    : new Outcome.Cancelled(onCancel.get())));
        }
    }

    /**
     * Waits, cancellably, for another lane's job to end; its final snapshot, or empty at the deadline.
     * A cancel ends this job's wait only: the other job goes on by itself.
     */
    CompletableFuture<Optional<JobSnapshot>> awaitEnd(Job other, long deadline, Duration poll, String waiting) {
        return awaitEnd(other, deadline, poll, waiting, "cancelled while waiting for " + other.module() + "; that job goes on by itself");
    }

    /** As {@link #awaitEnd(Job, long, Duration, String)}, with what a cancel then says. */
    CompletableFuture<Optional<JobSnapshot>> awaitEnd(Job other, long deadline, Duration poll, String waiting, String onCancel) {
        enter(JobState.WAITING, waiting, () -> onCancel);
        return until(() -> Optional.of(other).filter(o -> o.completion().isDone()), deadline, poll, () -> onCancel)
                .thenApply(ended -> ended.map(Job::snapshot));
    }
}
