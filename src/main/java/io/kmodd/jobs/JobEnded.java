package io.kmodd.jobs;

/**
 * Ends a job's work early from inside a step (a cancel seen, a deadline passed, a dependency failed), so
 * that steps return their real values and never a sentinel. Unchecked, because steps run as stages of a
 * {@link java.util.concurrent.CompletableFuture}; only {@link JobStarter} unwraps it.
 */
final class JobEnded extends RuntimeException {
    private final transient Outcome outcome;

    JobEnded(Outcome outcome) {
        super(outcome.message(), null, false, false);
        this.outcome = outcome;
    }

    Outcome outcome() {
        return outcome;
    }
}
