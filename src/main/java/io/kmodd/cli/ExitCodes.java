package io.kmodd.cli;

/** kmoddctl's exit statuses, as its --help lists them. */
final class ExitCodes {
    static final int OK = 0;
    /** kmodd refused the request, or the job failed. */
    static final int FAILED = 1;
    /** The command line was wrong (picocli's own status). */
    static final int USAGE = 2;
    /** The job gave up at its deadline (a removal that stayed in use), or --wait ran out first. */
    static final int TIMEOUT = 3;
    /** The job was cancelled. */
    static final int CANCELLED = 4;
    /** kmodd could not be reached. */
    static final int UNREACHABLE = 5;

    static final String HELP = "Exit status: 0 done; 1 refused or failed; 2 bad command line; 3 timed out;"
            + " 4 cancelled; 5 kmodd unreachable.";

    private ExitCodes() {
    }
}
