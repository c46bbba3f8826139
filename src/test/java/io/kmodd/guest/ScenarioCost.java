package io.kmodd.guest;

import io.restassured.filter.Filter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where a scenario's time went: its guest commands (each a round trip to the guest's agent and a shell in
 * the guest) and its requests to kmodd, counted and timed, the rest being its own waits and the host's work.
 * Printed after each scenario, so a slow target's log says what made it slow.
 */
final class ScenarioCost {
    private static final AtomicLong COMMANDS = new AtomicLong();
    private static final AtomicLong COMMAND_NANOS = new AtomicLong();
    private static final AtomicLong REQUESTS = new AtomicLong();
    private static final AtomicLong REQUEST_NANOS = new AtomicLong();
    private static long startedAt = System.nanoTime();

    private ScenarioCost() {
    }

    /** The RestAssured filter that times every request of the suite's callers. */
    static Filter requests() {
        return (request, response, ctx) -> {
            long t0 = System.nanoTime();
            try {
                return ctx.next(request, response);
            } finally {
                REQUESTS.incrementAndGet();
                REQUEST_NANOS.addAndGet(System.nanoTime() - t0);
            }
        };
    }

    /** Records one guest command that took {@code nanos}. */
    static void command(long nanos) {
        COMMANDS.incrementAndGet();
        COMMAND_NANOS.addAndGet(nanos);
    }

    /** Starts counting for the next scenario. */
    static void reset() {
        COMMANDS.set(0);
        COMMAND_NANOS.set(0);
        REQUESTS.set(0);
        REQUEST_NANOS.set(0);
        startedAt = System.nanoTime();
    }

    /** The line for the scenario since {@link #reset()}. */
    static String summary(String scenario) {
        double total = (System.nanoTime() - startedAt) / 1e9;
        // Commands and requests made concurrently (the racer's, a burst's) overlap: each sum can exceed the wall time.
        double commands = COMMAND_NANOS.get() / 1e9;
        double requests = REQUEST_NANOS.get() / 1e9;
        return String.format("cost of %s: %.1f s: %d guest commands %.1f s, %d requests %.1f s (each summed)", scenario, total,
                COMMANDS.get(), commands, REQUESTS.get(), requests);
    }
}
