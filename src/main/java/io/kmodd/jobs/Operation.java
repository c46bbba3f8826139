package io.kmodd.jobs;

import java.util.Locale;

/** What a job does to its module. */
public enum Operation {
    LOAD, UNLOAD,
    /** A patient removal and a load with new parameters, as one job. */
    RELOAD;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
