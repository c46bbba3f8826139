package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelCall;
import java.time.Duration;

/** What the lanes report as they work; the metrics package listens. Implementations are thread-safe and fast. */
public interface JobObserver {
    JobObserver NONE = new JobObserver() {
    };

    /** A request joined an existing job instead of making a new one. */
    default void merged(Operation operation) {
    }

    /** A kernel call returned: {@code errno} is null on success. */
    default void kernelCall(KernelCall call, Errno errno) {
    }

    /** A job ended; {@code waited} is the time it spent in patient waiting. */
    default void finished(Operation operation, JobState outcome, Duration total, Duration waited) {
    }
}
