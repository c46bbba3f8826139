package io.kmodd.jobs;

import java.util.Locale;
import java.util.Optional;

/** A job's lifecycle: queued on its lane, waiting (for a refcount or an outside loader), running a kernel call, then one of three ends. */
public enum JobState {
    QUEUED, WAITING, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<JobState> parse(String s) {
        for (JobState v : values()) {
            if (v.wireName().equalsIgnoreCase(s)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
