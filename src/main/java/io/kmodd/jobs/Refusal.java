package io.kmodd.jobs;

/** Why a request was refused before or instead of becoming a job; the HTTP layer maps each to a status. */
public enum Refusal {
    /** No such job, or no module or alias of that name in the running kernel's module tree. */
    NOT_FOUND,
    /** The module is not loaded (or is built in): the same fact, one answer, for every verb that needs it loaded. */
    NOT_LOADED,
    NO_MODULE_SUPPORT,
    NO_PRIVILEGE,
    BLACKLISTED,
    AMBIGUOUS,
    IN_USE_BY_HOLDERS,
    /** The requested parameters would not be applied: the module is live, or a load is queued, with others. */
    PARAMETER_CONFLICT,
    /** The module has no exit function: only a forced removal takes it out. */
    PERMANENT,
    QUEUE_FULL,
    /** All lanes together hold as many unfinished jobs as kmodd takes, or kmodd is stopping. */
    OVERLOADED,
    JOB_FINISHED,
    /** The job passed out of the retention: its outcome is no longer kept. */
    GONE,
    NOT_CANCELLABLE,
    RESOLUTION_FAILED,
    POLICY_DENIED,
    NEEDS_ADMIN
}
