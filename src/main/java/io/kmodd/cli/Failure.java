package io.kmodd.cli;

/** Ends a command with an exit status and one sentence for standard error. */
final class Failure extends RuntimeException {
    private final int exitCode;

    Failure(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
