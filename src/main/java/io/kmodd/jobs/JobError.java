package io.kmodd.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kmodd.kernel.Errno;
import io.kmodd.params.ParameterConflict;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Why a job failed, as the job document shows it.
 *
 * @param errno the kernel's (or libkmod's) answer, null when the kernel was not the reason; its name in JSON
 * @param reason what kind of failure; its slug in JSON
 * @param detail a sentence a person understands
 * @param parameters for a parameter conflict, the requested and the live values; absent otherwise
 */
public record JobError(@Schema(nullable = true) Errno errno, Reason reason, String detail,
        @JsonInclude(JsonInclude.Include.NON_NULL) @Schema(nullable = true) ParameterConflict parameters) {

    public JobError(Errno errno, Reason reason, String detail) {
        this(errno, reason, detail, null);
    }
}
