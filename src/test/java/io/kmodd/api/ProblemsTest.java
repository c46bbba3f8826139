package io.kmodd.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.jobs.JobError;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.jobs.Reason;
import io.kmodd.jobs.Refusal;
import io.kmodd.kernel.Errno;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every refusal, reason and kernel errno maps to a deliberate status and problem type, with the errno kept. */
class ProblemsTest {
    private static final Map<Errno, String> KERNEL = new EnumMap<>(Map.ofEntries(
            Map.entry(Errno.EPERM, "403 kernel-refused"), Map.entry(Errno.EACCES, "403 kernel-refused"),
            Map.entry(Errno.EKEYREJECTED, "403 kernel-refused"), Map.entry(Errno.EINVAL, "400 invalid-for-kernel"),
            Map.entry(Errno.ENODATA, "403 kernel-refused"), Map.entry(Errno.ENOPKG, "403 kernel-refused"),
            Map.entry(Errno.EBADMSG, "403 kernel-refused"), Map.entry(Errno.ENOKEY, "403 kernel-refused"),
            Map.entry(Errno.EKEYEXPIRED, "403 kernel-refused"), Map.entry(Errno.EKEYREVOKED, "403 kernel-refused"),
            Map.entry(Errno.ENOEXEC, "422 bad-module"), Map.entry(Errno.ENOENT, "422 bad-module"),
            Map.entry(Errno.EBUSY, "409 busy"), Map.entry(Errno.EAGAIN, "409 busy"), Map.entry(Errno.EEXIST, "409 busy"),
            Map.entry(Errno.ENOMEM, "503 out-of-memory"), Map.entry(Errno.ENOSPC, "503 out-of-memory"),
            Map.entry(Errno.ENODEV, "422 no-device"), Map.entry(Errno.EINTR, "500 kernel-error"),
            Map.entry(Errno.EIO, "500 kernel-error"), Map.entry(Errno.EBADF, "500 kernel-error"),
            Map.entry(Errno.EFAULT, "500 kernel-error"), Map.entry(Errno.ETXTBSY, "500 kernel-error"),
            Map.entry(Errno.EFBIG, "500 kernel-error"), Map.entry(Errno.ENOSYS, "500 kernel-error"),
            Map.entry(Errno.UNKNOWN, "500 kernel-error")));

    private static final Map<Reason, String> REASONS = new EnumMap<>(Map.of(
            Reason.TIMEOUT, "409 timeout", Reason.IN_USE_BY_HOLDERS, "409 in-use-by-holders",
            Reason.DEPENDENCY_FAILED, "424 dependency-failed", Reason.INTERRUPTED, "500 interrupted",
            Reason.INTERNAL_ERROR, "500 internal-error", Reason.KERNEL_ERROR, "500 kernel-error",
            Reason.PARAMETER_CONFLICT, "409 parameter-conflict", Reason.INIT_FAILED, "422 init-failed"));

    private static final Map<Refusal, String> REFUSALS = new EnumMap<>(Map.ofEntries(
            Map.entry(Refusal.NOT_FOUND, "404 not-found"), Map.entry(Refusal.NOT_LOADED, "404 not-loaded"),
            Map.entry(Refusal.NO_MODULE_SUPPORT, "503 kernel-unavailable"),
            Map.entry(Refusal.NO_PRIVILEGE, "403 no-privilege"), Map.entry(Refusal.BLACKLISTED, "403 blacklisted"),
            Map.entry(Refusal.AMBIGUOUS, "409 ambiguous-alias"), Map.entry(Refusal.IN_USE_BY_HOLDERS, "409 in-use-by-holders"),
            Map.entry(Refusal.PARAMETER_CONFLICT, "409 parameter-conflict"), Map.entry(Refusal.PERMANENT, "409 permanent"),
            Map.entry(Refusal.QUEUE_FULL, "429 queue-full"), Map.entry(Refusal.OVERLOADED, "503 overloaded"), Map.entry(Refusal.JOB_FINISHED, "409 job-finished"),
            Map.entry(Refusal.NOT_CANCELLABLE, "409 not-cancellable"), Map.entry(Refusal.GONE, "410 gone"),
            Map.entry(Refusal.RESOLUTION_FAILED, "503 resolution-failed"),
            Map.entry(Refusal.POLICY_DENIED, "403 policy-denied"), Map.entry(Refusal.NEEDS_ADMIN, "403 needs-admin")));

    private static JobSnapshot failed(JobError e) {
        Instant t = Instant.parse("2026-11-20T10:00:00Z");
        return new JobSnapshot("j1", "loop", "load", e == null ? "cancelled" : "failed", 1, t, t, t, e,
                e == null ? "cancelled before it started" : e.detail(), false, Map.of(), null, null, List.of());
    }

    private static String shown(Problem p) {
        return p.status() + " " + p.type().replace("urn:kmodd:problem:", "");
    }

    @Test
    void everyKernelErrnoHasItsStatusAndKeepsItsName() {
        assertThat(KERNEL.keySet()).containsExactlyInAnyOrder(Errno.values());
        KERNEL.forEach((errno, expected) -> {
            Problem p = Problems.jobFailure(failed(new JobError(errno, Reason.KERNEL_ERROR, "finit_module: " + errno)));
            assertThat(shown(p)).as("%s", errno).isEqualTo(expected);
            assertThat(p.errno()).isEqualTo(errno.name());
            assertThat(p.detail()).isEqualTo("finit_module: " + errno);
            assertThat(p.job()).isEqualTo("j1");
            assertThat(p.instance()).isEqualTo("/jobs/j1");
        });
    }

    @Test
    void everyReasonHasItsStatus() {
        assertThat(REASONS.keySet()).containsExactlyInAnyOrder(Reason.values());
        REASONS.forEach((reason, expected) -> {
            Problem p = Problems.jobFailure(failed(new JobError(null, reason, "why")));
            assertThat(shown(p)).as("%s", reason).isEqualTo(expected);
            assertThat(p.errno()).isNull();
            assertThat(p.module()).isEqualTo("loop");
        });
        Problem timedOut = Problems.jobFailure(failed(new JobError(Errno.EAGAIN, Reason.TIMEOUT, "refused")));
        assertThat(timedOut.errno()).isEqualTo("EAGAIN");
    }

    @Test
    void aCancelledJobIsAConflictWithItsOutcome() {
        Problem p = Problems.jobFailure(failed(null));
        assertThat(shown(p)).isEqualTo("409 cancelled");
        assertThat(p.detail()).isEqualTo("cancelled before it started");
    }

    @Test
    void everyRefusalHasItsStatus() {
        assertThat(REFUSALS.keySet()).containsExactlyInAnyOrder(Refusal.values());
        REFUSALS.forEach((refusal, expected) -> {
            Problem p = Problems.refusal(refusal, "because");
            assertThat(shown(p)).as("%s", refusal).isEqualTo(expected);
            assertThat(p.detail()).isEqualTo("because");
        });
    }
}
