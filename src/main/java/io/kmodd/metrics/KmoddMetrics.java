package io.kmodd.metrics;

import io.kmodd.jobs.JobObserver;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobState;
import io.kmodd.jobs.Operation;
import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelCall;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Locale;

/**
 * kmodd's own work as meters, bound in one place with constant names. Labels are bounded: operation,
 * outcome, call and errno are enums; no job ids, no free text. Thread-safe (Micrometer meters are).
 */
@Startup
@ApplicationScoped
public class KmoddMetrics implements JobObserver {
    static final String OPERATIONS = "kmodd.operations";
    static final String MERGED = "kmodd.merged.requests";
    static final String KERNEL_CALLS = "kmodd.kernel.calls";
    static final String REMOVAL_WAIT = "kmodd.removal.wait";
    static final String JOB_DURATION = "kmodd.job.duration";
    static final String JOBS = "kmodd.jobs";
    static final String OLDEST_WAITING = "kmodd.jobs.oldest.waiting";

    private final MeterRegistry registry;

    public KmoddMetrics(MeterRegistry registry, JobRegistry jobs) {
        this.registry = registry;
        for (JobState s : new JobState[] {JobState.QUEUED, JobState.WAITING, JobState.RUNNING}) {
            Gauge.builder(JOBS, jobs, j -> j.count(s))
                    .description("Jobs currently in this state")
                    .tag("state", s.wireName())
                    .register(registry);
        }
        Gauge.builder(OLDEST_WAITING, jobs, j -> j.oldestSeconds(JobState.WAITING, java.time.Instant.now()))
                .description("Age of the oldest job now waiting (for a refcount, a dependency or another loader); 0 when none")
                .baseUnit("seconds")
                .register(registry);
        // Pre-register the common series so a scrape shows zeros rather than nothing.
        for (KernelCall call : new KernelCall[] {KernelCall.FINIT_MODULE, KernelCall.INIT_MODULE, KernelCall.DELETE_MODULE}) {
            kernelCallCounter(call, null);
        }
        for (Operation op : Operation.values()) {
            mergedCounter(op);
        }
    }

    @Override
    public void merged(Operation operation) {
        mergedCounter(operation).increment();
    }

    @Override
    public void kernelCall(KernelCall call, Errno errno) {
        kernelCallCounter(call, errno).increment();
    }

    @Override
    public void finished(Operation operation, JobState outcome, Duration total, Duration waited) {
        Counter.builder(OPERATIONS)
                .description("Finished jobs by operation and outcome")
                .tag("operation", operation.wireName())
                .tag("outcome", outcome.wireName())
                .register(registry).increment();
        Timer.builder(JOB_DURATION)
                .description("Total job duration, from queued to finished")
                .tag("operation", operation.wireName())
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry).record(total);
        if (operation == Operation.UNLOAD || operation == Operation.RELOAD) {
            Timer.builder(REMOVAL_WAIT)
                    .description("Time patient removals spent waiting for the refcount and retrying")
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofHours(1))
                    .register(registry).record(waited);
        }
    }

    private Counter mergedCounter(Operation op) {
        return Counter.builder(MERGED)
                .description("Requests that joined an existing job instead of making a new one")
                .tag("operation", op.wireName())
                .register(registry);
    }

    private Counter kernelCallCounter(KernelCall call, Errno errno) {
        return Counter.builder(KERNEL_CALLS)
                .description("Kernel calls made, by call and result (OK or the errno's name)")
                .tag("call", call.syscall())
                .tag("errno", errno == null ? "OK" : errno.name().toUpperCase(Locale.ROOT))
                .register(registry);
    }
}
