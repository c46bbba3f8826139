package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The lanes by module, and the bound on unfinished jobs across all of them. {@link #of} makes a lane and
 * is called only for a module known to be real (resolved in the module tree, or loaded), so the map is
 * bounded by the module tree whatever names clients send; {@link #existing} only looks. A lane is a few
 * small objects and owns no thread. Thread-safe.
 */
final class Lanes implements Lane.Quota {
    private final ConcurrentHashMap<ModuleName, Lane> lanes = new ConcurrentHashMap<>();
    private final AtomicInteger unfinished = new AtomicInteger();
    private final int capacity;
    private final int maxUnfinished;
    private final JobStarter runner;
    private volatile String stopping;

    Lanes(int capacity, int maxUnfinished, JobStarter runner) {
        this.capacity = capacity;
        this.maxUnfinished = maxUnfinished;
        this.runner = runner;
    }

    /** The module's lane if it has one; never makes one. */
    Optional<Lane> existing(ModuleName module) {
        return Optional.ofNullable(lanes.get(module));
    }

    boolean busy(ModuleName module) {
        Lane lane = lanes.get(module);
        return lane != null && lane.busy();
    }

    Lane of(ModuleName module) {
        return lanes.computeIfAbsent(module, m -> new Lane(m, capacity, runner, this));
    }

    @Override
    public void admit(ModuleName module) {
        String why = stopping;
        if (why != null) {
            throw new RefusedException(Refusal.OVERLOADED, why);
        }
        if (unfinished.incrementAndGet() > maxUnfinished) {
            unfinished.decrementAndGet();
            throw new RefusedException(Refusal.OVERLOADED, "kmodd already holds " + maxUnfinished
                    + " unfinished jobs (kmodd.jobs.max-unfinished); retry when some have finished");
        }
    }

    @Override
    public void release() {
        unfinished.decrementAndGet();
    }

    /** From now on every new job is refused with {@code why}; joins of unfinished jobs still work. */
    void stop(String why) {
        stopping = why;
        runner.stop();
    }

    int unfinished() {
        return unfinished.get();
    }

    int size() {
        return lanes.size();
    }
}
