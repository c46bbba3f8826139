package io.kmodd.jobs;

import java.time.Instant;

/** The sentence for a job id that predates the retention horizon. */
public final class Gone {
    private Gone() {
    }

    public static String detail(String id, Instant horizon) {
        return "job " + id + " is no longer kept: it was made before " + horizon + ", and kmodd keeps finished jobs"
                + " only within its retention (kmodd.jobs.retain-finished, kmodd.jobs.retain-for); if it existed,"
                + " its outcome is gone. The module's state now is at GET /modules/{name}";
    }
}
