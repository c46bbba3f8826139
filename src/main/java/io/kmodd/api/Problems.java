package io.kmodd.api;

import io.kmodd.jobs.JobError;
import io.kmodd.kernel.Errno;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.Refusal;

/** Turns kmodd's refusals and job failures into problems with the right HTTP status. */
final class Problems {
    private Problems() {
    }

    static Problem refusal(Refusal r, String detail) {
        return switch (r) {
            case NOT_FOUND -> Problem.of("not-found", "Not found", 404, detail);
            case NOT_LOADED -> Problem.of("not-loaded", "Module not loaded", 404, detail);
            case NO_MODULE_SUPPORT -> Problem.of("kernel-unavailable", "The kernel cannot load or remove modules here", 503, detail);
            case NO_PRIVILEGE -> Problem.of("no-privilege", "kmodd lacks the privilege to change modules", 403, detail);
            case BLACKLISTED -> Problem.of("blacklisted", "Module is blacklisted", 403, detail);
            case AMBIGUOUS -> Problem.of("ambiguous-alias", "Alias matches several modules", 409, detail);
            case IN_USE_BY_HOLDERS -> Problem.of("in-use-by-holders", "Module is used by other modules", 409, detail);
            case PARAMETER_CONFLICT -> Problem.of("parameter-conflict", "The requested parameters would not be applied", 409, detail);
            case PERMANENT -> Problem.of("permanent", "Module has no exit function", 409, detail);
            case QUEUE_FULL -> Problem.of("queue-full", "Too many jobs queued for this module", 429, detail);
            case OVERLOADED -> Problem.of("overloaded", "kmodd is not taking new jobs now", 503, detail);
            case JOB_FINISHED -> Problem.of("job-finished", "Job has already finished", 409, detail);
            case GONE -> Problem.of("gone", "Job is no longer kept", 410, detail);
            case NOT_CANCELLABLE -> Problem.of("not-cancellable", "Job cannot be cancelled now", 409, detail);
            case RESOLUTION_FAILED -> Problem.of("resolution-failed", "Module resolution is unavailable", 503, detail);
            case POLICY_DENIED -> Problem.of("policy-denied", "The module policy does not allow this", 403, detail);
            case NEEDS_ADMIN -> Problem.of("needs-admin", "This needs the admin role", 403, detail);
        };
    }

    /** Seconds a refused client should wait before it retries, for the refusals that pass by themselves. */
    static java.util.Optional<Integer> retryAfter(Refusal r) {
        return switch (r) {
            case QUEUE_FULL -> java.util.Optional.of(1);
            case OVERLOADED -> java.util.Optional.of(5);
            default -> java.util.Optional.empty();
        };
    }

    /** The problem for a job that ended failed or cancelled, as ?wait answers it. */
    static Problem jobFailure(JobSnapshot job) {
        JobError e = job.error();
        Problem p;
        if (e == null) {
            p = Problem.of("cancelled", "Job was cancelled", 409, job.outcome());
        } else {
            p = switch (e.reason()) {
                case TIMEOUT -> Problem.of("timeout", "Gave up at the deadline", 409, e.detail());
                case IN_USE_BY_HOLDERS -> Problem.of("in-use-by-holders", "Module is used by other modules", 409, e.detail());
                case PARAMETER_CONFLICT -> Problem.of("parameter-conflict", "The requested parameters would not be applied",
                        409, e.detail()).withParameters(e.parameters());
                case DEPENDENCY_FAILED -> Problem.of("dependency-failed", "A dependency could not be loaded", 424, e.detail());
                case INIT_FAILED -> Problem.of("init-failed", "The module's init function failed", 422, e.detail());
                case KERNEL_ERROR -> kernelError(e.errno(), e.detail());
                case INTERRUPTED, INTERNAL_ERROR -> Problem.of(e.reason().wireName(), "Job failed", 500, e.detail());
            };
            if (e.errno() != null) {
                p = p.withErrno(e.errno().name());
            }
        }
        return p.withModule(job.module()).withJob(job.id()).withInstance("/jobs/" + job.id());
    }

    private static Problem kernelError(Errno errno, String detail) {
        if (errno == null) {
            return Problem.of("kernel-error", "The kernel answered an error", 500, detail);
        }
        return switch (errno) {
            case EPERM, EACCES, EKEYREJECTED, ENODATA, ENOPKG, EBADMSG, ENOKEY, EKEYEXPIRED, EKEYREVOKED ->
                    Problem.of("kernel-refused", "The kernel refused", 403, detail);
            case EINVAL -> Problem.of("invalid-for-kernel", "The kernel rejected the module or its parameters", 400, detail);
            case ENOEXEC, ENOENT -> Problem.of("bad-module", "The module cannot be loaded into this kernel", 422, detail);
            case EBUSY, EAGAIN, EEXIST -> Problem.of("busy", "The module is busy", 409, detail);
            case ENOMEM, ENOSPC -> Problem.of("out-of-memory", "The kernel is out of memory", 503, detail);
            case ENODEV -> Problem.of("no-device", "The module found no device", 422, detail);
            case EINTR, EIO, EBADF, EFAULT, ETXTBSY, EFBIG, ENOSYS, UNKNOWN ->
                    Problem.of("kernel-error", "The kernel answered an error", 500, detail);
        };
    }
}
