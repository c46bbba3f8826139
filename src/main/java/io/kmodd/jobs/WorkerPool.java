package io.kmodd.jobs;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lanes' shared workers: at most {@link Settings#workerThreads()} threads ({@code kmodd-work-N}, daemon
 * threads, gone after 30 s idle) run every lane's steps and kernel calls, so threads do not grow with
 * modules or waiting jobs (a waiting job holds a timer entry, see {@link Ticker}). Thread-safe.
 */
final class WorkerPool implements Executor {
    private final ThreadPoolExecutor pool;

    WorkerPool(int threads) {
        AtomicInteger count = new AtomicInteger();
        pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "kmodd-work-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
    }

    @Override
    public void execute(Runnable task) {
        pool.execute(task);
    }

    /** Threads alive now. */
    int size() {
        return pool.getPoolSize();
    }

    /** Takes no new work; what is queued still runs. */
    void shutdown() {
        pool.shutdown();
    }
}
