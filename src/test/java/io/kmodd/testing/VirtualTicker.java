package io.kmodd.testing;

import io.kmodd.jobs.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Virtual time for the lanes: a pause of any length advances the clock by that length at once and runs
 * the actions scheduled up to then, so a 30-second wait takes a few milliseconds. Each pause still
 * yields the real CPU for {@value #REAL_YIELD_MS} ms (waking early on a notify), so that other threads,
 * a test's cancel among them, make progress meanwhile. Thread-safe.
 */
public final class VirtualTicker implements Ticker {
    static final long REAL_YIELD_MS = 1;

    private record Scheduled(long at, long seq, Runnable action) {
    }

    private final PriorityQueue<Scheduled> due = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private long now = 1_000_000_000L;
    private long seq;

    @Override
    public synchronized long nanoTime() {
        return now;
    }

    /** Runs {@code action} when virtual time reaches {@code after} from now, on the pausing thread. */
    public synchronized void after(Duration after, Runnable action) {
        due.add(new Scheduled(now + after.toNanos(), seq++, action));
    }

    /** Virtual time elapsed since {@code since} (a value of {@link #nanoTime()}). */
    public Duration since(long since) {
        return Duration.ofNanos(nanoTime() - since);
    }

    @Override
    public void await(Object monitor, long nanos) throws InterruptedException {
        List<Runnable> run = new ArrayList<>();
        synchronized (this) {
            now += nanos;
            while (!due.isEmpty() && due.peek().at <= now) {
                run.add(due.poll().action);
            }
        }
        run.forEach(Runnable::run);
        monitor.wait(REAL_YIELD_MS);
    }
}
