package io.kmodd.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** What a job event reports; the wire name is the SSE event name and the JSON {@code type}. */
public enum EventType {
    QUEUED, JOINED, STATE, DEPENDENCY, REFCNT, ATTEMPT, PROGRESS, WARNING, OUTCOME;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Reads a wire name, as journals of every version wrote it. */
    @JsonCreator
    public static EventType fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }

    /** Events a long wait repeats; past a bound the history keeps only the latest of a run of them. */
    boolean repetitive() {
        return this == REFCNT || this == ATTEMPT;
    }
}
