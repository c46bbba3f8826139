package io.kmodd.jobs;

/**
 * Ends a job's work early from inside a step (a cancel seen, a deadline passed, a dependency failed), so
 * that steps return their real values and never a sentinel. Only {@link JobRunner} catches it.
 */
final class JobEnded extends Exception {
    private final transient Outcome outcome;

    JobEnded(Outcome outcome) {
        super(outcome.message(), null, false, false);
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
