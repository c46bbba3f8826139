package io.kmodd.testing;

import io.kmodd.jobs.Ticker;
import java.time.Duration;
import java.util.PriorityQueue;

/**
 * Virtual time for the lanes. Timers fire in the order of their virtual due time; firing one moves the
 * clock to its due time at once, so a 30-second wait takes a few milliseconds. Between two timers the
 * driver yields {@value #REAL_YIELD_MS} ms of real time, so that other threads (a test's cancel, a
 * worker's step) make progress meanwhile. Thread-safe; the driver thread is a daemon that ends when idle.
 */
public final class VirtualTicker implements Ticker {
    static final long REAL_YIELD_MS = 1;

    private static final class Scheduled {
        final long at;
        final long seq;
        final Runnable task;
        volatile boolean cancelled;

        Scheduled(long at, long seq, Runnable task) {
            this.at = at;
            this.seq = seq;
            this.task = task;
        }
    }

    private final PriorityQueue<Scheduled> due = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000_000L;
    private long seq;
    private boolean driving;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    @Override
    public synchronized Runnable schedule(Runnable task, long delayNanos) {
        Scheduled s = new Scheduled(now + Math.max(0, delayNanos), seq++, task);
        due.add(s);
        if (!driving) {
            driving = true;
            Thread t = new Thread(this::drive, "virtual-ticker");
            t.setDaemon(true);
            t.start();
        }
        notifyAll();
        return () -> s.cancelled = true;
    }

    /** Runs {@code action} when virtual time has advanced by {@code after}. */
    public void after(Duration after, Runnable action) {
        schedule(action, after.toNanos());
    }

    /** Virtual time elapsed since {@code since} (a value of {@link #nanoTime()}). */
    public Duration since(long since) {
        return Duration.ofNanos(nanoTime() - since);
    }

    private void drive() {
        while (true) {
            Scheduled next;
            try {
                Thread.sleep(REAL_YIELD_MS);
                synchronized (this) {
                    if (due.isEmpty()) {
                        wait(1000);
                    }
                    if (due.isEmpty()) {
                        driving = false;
                        return;
                    }
                    next = due.poll();
                    if (next.cancelled) {
                        continue;
                    }
                    now = Math.max(now, next.at);
                }
            } catch (InterruptedException e) {
                synchronized (this) {
                    driving = false;
                }
                return;
            }
            next.task.run();
        }
    }
}
