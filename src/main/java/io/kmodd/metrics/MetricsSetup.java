package io.kmodd.metrics;

import io.kmodd.kernel.Kernel;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/** Binds the scrape-time module collector, and keeps every HELP line valid for promtool. */
@ApplicationScoped
public class MetricsSetup {

    void register(@Observes StartupEvent start, PrometheusMeterRegistry registry, Kernel kernel) {
        registry.getPrometheusRegistry().register(new ModuleCollector(kernel));
    }

    /**
     * Keeps a scrape clean under {@code promtool check metrics}: Micrometer escapes double quotes in HELP
     * text as \", which the text format does not allow, so they become single quotes; binders that give
     * no description get one from the meter's name; and two JVM meters whose names break Prometheus
     * conventions are renamed (system.cpu.count) or dropped (process.cpu.time in ns; process_cpu_usage
     * stays), as are long task timers.
     */
    @Produces
    @Singleton
    MeterFilter promtoolClean() {
        return new MeterFilter() {
            @Override
            public MeterFilterReply accept(Meter.Id id) {
                // Long task timers render as summaries with _active_count/_duration_sum samples, which the
                // text format has no place for; the HTTP binder's connection timer is the only one.
                boolean unfit = id.getName().startsWith("process.cpu.time") || id.getType() == Meter.Type.LONG_TASK_TIMER;
                return unfit ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
            }

            @Override
            public Meter.Id map(Meter.Id id) {
                Meter.Id mapped = id.getName().equals("system.cpu.count") ? id.withName("system.cpus") : id;
                String d = mapped.getDescription();
                if (d == null || d.isBlank()) {
                    d = mapped.getName().replace('.', ' ');
                } else if (d.indexOf('"') < 0) {
                    return mapped;
                }
                return new Meter.Id(mapped.getName(), Tags.of(mapped.getTagsAsIterable()), mapped.getBaseUnit(),
                        d.replace('"', '\''), mapped.getType());
            }
        };
    }
}
