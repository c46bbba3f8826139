package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lanes by module. {@link #of} makes a lane and is called only for a module known to be real
 * (resolved in the module tree, or loaded), so the map is bounded by the module tree whatever names
 * clients send; {@link #existing} only looks. Thread-safe.
 */
final class Lanes {
    private final ConcurrentHashMap<ModuleName, Lane> lanes = new ConcurrentHashMap<>();
    private final int capacity;
    private final JobRunner runner;

    Lanes(int capacity, JobRunner runner) {
        this.capacity = capacity;
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
        return lanes.computeIfAbsent(module, m -> new Lane(m, capacity, runner));
    }

    int size() {
        return lanes.size();
    }

    void shutdown() {
        lanes.values().forEach(Lane::shutdown);
    }
}
