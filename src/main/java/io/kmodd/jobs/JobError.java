package io.kmodd.jobs;

/**
 * Why a job failed.
 *
 * @param errno the kernel's answer by name (EBUSY, EPERM, ...), or null when the kernel was not the reason
 * @param reason a stable slug: kernel-error, timeout, in-use-by-holders, dependency-failed, interrupted,
 *     not-loaded, resolution-failed
 * @param detail a sentence a person understands
 */
public record JobError(String errno, String reason, String detail) {
}
