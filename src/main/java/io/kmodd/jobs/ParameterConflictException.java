package io.kmodd.jobs;

import io.kmodd.params.ParameterConflict;

/** A load refused because its parameters would not be applied; carries both sets for the answer. */
public final class ParameterConflictException extends RefusedException {
    private final transient ParameterConflict conflict;

    public ParameterConflictException(String module, ParameterConflict conflict) {
        super(Refusal.PARAMETER_CONFLICT, conflict.describe(module));
        this.conflict = conflict;
    }

    public ParameterConflict conflict() {
        return conflict;
    }
}
