package io.kmodd.jobs;

import java.time.Duration;

/**
 * Runs a job's work on its lane thread and applies the one outcome the work ends with: returned,
 * thrown as {@link JobEnded} from a step, or made here when the work was interrupted or broke. Whatever
 * happens, the job ends with a knowable outcome and the observer hears of it once. Stateless apart
 * from its collaborators; thread-safe.
 */
final class JobRunner {
    /** A job's work: the load or the removal itself. */
    @FunctionalInterface
    interface Work {
        Outcome run(JobRun run) throws JobEnded, InterruptedException;
    }

    private final Ticker ticker;
    private final JobObserver observer;

    JobRunner(Ticker ticker, JobObserver observer) {
        this.ticker = ticker;
        this.observer = observer;
    }

    void run(Job job, Work work) {
        if (job.isFinished()) {
            // Cancelled while it was queued.
            observer.finished(job.operation(), job.state(), Duration.ZERO, Duration.ZERO);
            return;
        }
        JobRun run = new JobRun(job, ticker);
        Outcome outcome;
        try {
            outcome = work.run(run);
        } catch (JobEnded e) {
            outcome = e.outcome();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            outcome = new Outcome.Failed(Reason.INTERRUPTED,
                    "kmodd is shutting down; " + job.module() + " is as the kernel left it");
        } catch (RuntimeException | Error e) {
            outcome = new Outcome.Failed(Reason.INTERNAL_ERROR, "kmodd failed while running this job: " + e);
        }
        job.end(outcome);
        observer.finished(job.operation(), job.state(), run.elapsed(), run.waited());
    }
}
