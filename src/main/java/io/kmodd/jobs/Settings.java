package io.kmodd.jobs;

import java.time.Duration;

/**
 * The lanes' tunables, read once from configuration.
 *
 * @param loadTimeout how long a load may wait out another loader's EBUSY and its dependencies
 * @param pollInterval how often a patient removal reads the refcount and retries a refusal
 * @param progressInterval how often a waiting job reports its elapsed time
 * @param laneCapacity unfinished jobs one module's lane holds before refusing more
 * @param maxUnfinished unfinished jobs all lanes together hold before refusing more
 * @param workerThreads threads that run the lanes' steps and kernel calls, shared by all modules
 */
public record Settings(Duration loadTimeout, Duration pollInterval, Duration progressInterval, int laneCapacity,
        int maxUnfinished, int workerThreads) {
    public static final Settings DEFAULTS = new Settings(Duration.ofSeconds(60), Duration.ofMillis(20),
            Duration.ofMillis(500), 64, 1024, 8);

    public Settings(Duration loadTimeout, Duration pollInterval, Duration progressInterval, int laneCapacity) {
        this(loadTimeout, pollInterval, progressInterval, laneCapacity, DEFAULTS.maxUnfinished, DEFAULTS.workerThreads);
    }
}
