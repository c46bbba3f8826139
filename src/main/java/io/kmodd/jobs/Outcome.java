package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import io.kmodd.params.ParameterConflict;
import java.util.Optional;

/**
 * How a job's work ended. The work returns one of these (or throws {@link JobEnded} with one from deep
 * inside a step), and exactly one place, {@link JobStarter}, applies it to the job. Immutable.
 */
public sealed interface Outcome {

    JobState state();

    /** The sentence the job's {@code outcome} field shows. */
    String message();

    /** The failure, for a failed job. */
    default Optional<JobError> error() {
        return Optional.empty();
    }

    /** The module was there already (another loader, or live before the job ran): nothing was loaded. */
    default boolean alreadyLoaded() {
        return false;
    }

    record Succeeded(String message, boolean alreadyLoaded) implements Outcome {
        @Override
        public JobState state() {
            return JobState.SUCCEEDED;
        }
    }

    record Failed(Reason reason, Optional<Errno> errno, String detail, Optional<ParameterConflict> conflict) implements Outcome {
        public Failed(Reason reason, Optional<Errno> errno, String detail) {
            this(reason, errno, detail, Optional.empty());
        }

        public Failed(Reason reason, String detail) {
            this(reason, Optional.empty(), detail);
        }

        /** The module is live with other parameters (or unconfirmable ones): {@link Reason#PARAMETER_CONFLICT}. */
        public static Failed conflict(String module, ParameterConflict c) {
            return new Failed(Reason.PARAMETER_CONFLICT, Optional.empty(), c.describe(module), Optional.of(c));
        }

        public Failed(Reason reason, Errno errno, String detail) {
            this(reason, Optional.of(errno), detail);
        }

        @Override
        public JobState state() {
            return JobState.FAILED;
        }

        @Override
        public String message() {
            return detail;
        }

        @Override
        public Optional<JobError> error() {
            return Optional.of(new JobError(errno.orElse(null), reason, detail, conflict.orElse(null)));
        }
    }

    record Cancelled(String message) implements Outcome {
        @Override
        public JobState state() {
            return JobState.CANCELLED;
        }
    }
}
