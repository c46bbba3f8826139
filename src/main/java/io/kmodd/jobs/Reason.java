package io.kmodd.jobs;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Why a job failed; the wire name (kernel-error, timeout, ...) is a stable slug in the API and the journal. */
public enum Reason {
    /** The kernel answered an error; the job's errno says which. */
    KERNEL_ERROR,
    /** The deadline passed: the refcount stayed up, the kernel kept refusing, or another loader never settled. */
    TIMEOUT,
    /** Other modules hold the module, so waiting cannot help. */
    IN_USE_BY_HOLDERS,
    /** The module is live with other parameters than the requested ones (or they cannot be confirmed). */
    PARAMETER_CONFLICT,
    /** The module's own init function failed (the kernel removed it again); the job's errno is what it returned. */
    INIT_FAILED,
    /** A required dependency was refused or failed to load. */
    DEPENDENCY_FAILED,
    /** kmodd stopped before the job ended. */
    INTERRUPTED,
    /** kmodd itself failed while running the job. */
    INTERNAL_ERROR;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Reads a wire name, as journals of every version wrote it. */
    @JsonCreator
    public static Reason fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
