package io.kmodd.jobs;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Starts a job's work on a worker thread and applies the one outcome the work ends with: completed,
 * thrown as {@link JobEnded} from a step, or made here when the work broke or kmodd is stopping.
 * Whatever happens, the job ends with a knowable outcome and the observer hears of it once. Thread-safe.
 */
final class JobStarter {
    /** A job's work: the load or the removal itself, as stages that end with its outcome. */
    @FunctionalInterface
    interface Work {
        CompletableFuture<Outcome> run(JobRun run);
    }

    private final Ticker ticker;
    private final Executor workers;
    private final JobObserver observer;
    private volatile boolean stopping;

    JobStarter(Ticker ticker, Executor workers, JobObserver observer) {
        this.ticker = ticker;
        this.workers = workers;
        this.observer = observer;
    }

    /** From now on a job whose turn comes is ended as interrupted instead of started. */
    void stop() {
        stopping = true;
    }

    /** A job that ended before its turn came (cancelled while queued): the observer hears of it all the same. */
    void notStarted(Job job) {
        observer.finished(job.operation(), job.state(), Duration.ZERO, Duration.ZERO);
    }

    /** Runs the job; the returned future completes once its outcome has been applied. */
    CompletableFuture<Void> start(Job job, Work work) {
        if (stopping && !job.isFinished()) {
            job.interrupt();
        }
        if (job.isFinished()) {
            // Ended before its turn: cancelled while queued, or interrupted just above.
            notStarted(job);
            return CompletableFuture.completedFuture(null);
        }
        JobRun run = new JobRun(job, ticker, workers);
        CompletableFuture<Outcome> outcome;
        try {
            outcome = CompletableFuture.supplyAsync(() -> work.run(run), workers).thenCompose(f -> f);
        } catch (RejectedExecutionException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome.handle(outcomeOrFailure(job)).thenAccept(o -> {
            job.end(o);
            observer.finished(job.operation(), job.state(), run.elapsed(), run.waited());
        });
    }

    /** For {@code handle}: a step's outcome, or the outcome its failure stands for. */
    static java.util.function.BiFunction<Outcome, Throwable, Outcome> outcomeOrFailure(Job job) {
        return (o, t) -> o != null ? o : outcomeOf(job, t);
    }

    /** The outcome a step's failure {@code t} stands for. */
    static Outcome outcomeOf(Job job, Throwable t) {
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (cause instanceof JobEnded ended) {
            return ended.outcome();
        }
        if (cause instanceof RejectedExecutionException) {
            return new Outcome.Failed(Reason.INTERRUPTED, "kmodd is shutting down; " + job.module() + " is as it was");
        }
        return new Outcome.Failed(Reason.INTERNAL_ERROR, "kmodd failed while running this job: " + cause);
    }
}
