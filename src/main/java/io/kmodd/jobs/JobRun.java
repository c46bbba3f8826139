package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * One execution of a job on its lane: the steps a runner takes (enter a state, record an event, wait)
 * and the time they take. Waiting is one primitive, {@link #until}: poll a condition until it holds or
 * a deadline passes, sleeping on the {@link Ticker} in between and ending the job when it is cancelled.
 * Used by the one lane thread that runs the job.
 */
final class JobRun {
    /** A condition checked once per poll: a value when it holds, empty to keep waiting. */
    @FunctionalInterface
    interface Poll<T> {
        Optional<T> check() throws JobEnded;
    }

    private final Job job;
    private final Ticker ticker;
    private final long start;
    private long waitedNanos;

    JobRun(Job job, Ticker ticker) {
        this.job = job;
        this.ticker = ticker;
        this.start = ticker.nanoTime();
    }

    Job job() {
        return job;
    }

    ModuleName module() {
        return job.module();
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

    /** Time spent in {@link #until}'s sleeps. */
    Duration waited() {
        return Duration.ofNanos(waitedNanos);
    }

    /** Moves the job to {@code state}, or ends the run as cancelled with {@code onCancel}'s message. */
    void enter(JobState state, String message, Supplier<String> onCancel) throws JobEnded {
        if (!job.enter(state, message)) {
            throw new JobEnded(new Outcome.Cancelled(onCancel.get()));
        }
    }

    void event(EventType type, String message, Map<String, Object> data) {
        job.event(type, message, data);
    }

    void progress(String message, Map<String, Object> data) {
        job.progress(elapsed(), message, data);
    }

    /**
     * Checks {@code poll} every {@code interval} until it yields a value (returned) or {@code deadline}
     * passes (empty). The condition is always checked at least once, even with a deadline already past.
     * A cancel wakes the sleep at once and ends the run with {@code onCancel}'s message.
     */
    <T> Optional<T> until(Poll<T> poll, long deadline, Duration interval, Supplier<String> onCancel)
            throws JobEnded, InterruptedException {
        while (true) {
            Optional<T> value = poll.check();
            if (value.isPresent()) {
                return value;
            }
            long now = ticker.nanoTime();
            if (now >= deadline) {
                return Optional.empty();
            }
            boolean cancelled = job.pause(Math.min(interval.toNanos(), deadline - now));
            waitedNanos += ticker.nanoTime() - now;
            if (cancelled) {
                throw new JobEnded(new Outcome.Cancelled(onCancel.get()));
            }
        }
    }
}
