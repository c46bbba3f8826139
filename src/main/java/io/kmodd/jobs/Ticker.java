package io.kmodd.jobs;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The lanes' monotonic time and their only timer: every deadline and every poll of a waiting job goes
 * through one, so that a waiting job holds a timer entry, not a thread. Tests put a virtual ticker here,
 * so waits of seconds run in milliseconds. Implementations are thread-safe.
 */
public interface Ticker {

    /** Monotonic nanoseconds, as {@link System#nanoTime()}. */
    long nanoTime();

    /**
     * Runs {@code task} once, {@code delayNanos} from now, on the ticker's own thread: the task must be
     * short (hand real work to an executor). Returns a handle that cancels it.
     */
    Runnable schedule(Runnable task, long delayNanos);

    /** The real clock, with one daemon timer thread ({@code kmodd-timer}) shared by all lanes. */
    Ticker SYSTEM = new Ticker() {
        private final ScheduledThreadPoolExecutor timer = timer();

        private static ScheduledThreadPoolExecutor timer() {
            ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
                Thread th = new Thread(r, "kmodd-timer");
                th.setDaemon(true);
                return th;
            });
            t.setRemoveOnCancelPolicy(true);
            return t;
        }

        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public Runnable schedule(Runnable task, long delayNanos) {
            var f = timer.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
            return () -> f.cancel(false);
        }
    };
}
