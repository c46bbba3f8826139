package io.kmodd.jobs;

/**
 * The lanes' monotonic time and their only way to sleep: every deadline, poll and pause in the jobs
 * package goes through one. Tests put a virtual ticker here, so waits of seconds run in milliseconds.
 */
public interface Ticker {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Waits on {@code monitor}, whose lock the caller holds, for up to {@code nanos} or until it is
     * notified; the caller re-checks its condition after.
     */
    void await(Object monitor, long nanos) throws InterruptedException;

    Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void await(Object monitor, long nanos) throws InterruptedException {
            if (nanos > 0) {
                monitor.wait(nanos / 1_000_000, (int) (nanos % 1_000_000));
            }
        }
    };
}
