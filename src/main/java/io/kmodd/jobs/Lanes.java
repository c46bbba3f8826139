package io.kmodd.jobs;

import io.kmodd.kernel.ModuleName;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lanes by module, made on first use. Only names that resolved to a real module (or are loaded)
 * get a lane, so the map is bounded by the module tree. Thread-safe.
 */
final class Lanes {
    private final ConcurrentHashMap<ModuleName, Lane> lanes = new ConcurrentHashMap<>();
    private final int capacity;

    Lanes(int capacity) {
        this.capacity = capacity;
    }

    Lane of(ModuleName module) {
        return lanes.computeIfAbsent(module, m -> new Lane(m, capacity));
    }

    void shutdown() {
        lanes.values().forEach(Lane::shutdown);
    }
}
