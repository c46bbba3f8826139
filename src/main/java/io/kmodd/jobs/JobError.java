package io.kmodd.jobs;

import io.kmodd.kernel.Errno;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Why a job failed, as the job document shows it.
 *
 * @param errno the kernel's (or libkmod's) answer, null when the kernel was not the reason; its name in JSON
 * @param reason what kind of failure; its slug in JSON
 * @param detail a sentence a person understands
 */
public record JobError(@Schema(nullable = true) Errno errno, Reason reason, String detail) {
}
