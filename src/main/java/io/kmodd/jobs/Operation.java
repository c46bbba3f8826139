package io.kmodd.jobs;

import java.util.Locale;

/** What a job does to its module. */
public enum Operation {
    LOAD, UNLOAD;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
