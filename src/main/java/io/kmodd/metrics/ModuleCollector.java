package io.kmodd.metrics;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleState;
import io.prometheus.client.Collector;
import io.prometheus.client.GaugeMetricFamily;
import java.util.List;

/**
 * Per-module series read from the kernel at scrape time, never from a stale snapshot: a module that
 * went away is simply not in the next scrape. One read of /proc/modules serves every series, which is
 * what keeps a scrape cheaper than lsmod (which also reads each module's sysfs directory). Labels are
 * the names of loaded modules only. Thread-safe: it holds no state.
 */
final class ModuleCollector extends Collector {
    private final Kernel kernel;

    ModuleCollector(Kernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public List<MetricFamilySamples> collect() {
        List<LoadedModule> modules = kernel.loadedModules();
        List<String> module = List.of("module");
        GaugeMetricFamily refcount = new GaugeMetricFamily("kmodd_module_refcount",
                "References held on the module, by users and by the modules that depend on it", module);
        GaugeMetricFamily size = new GaugeMetricFamily("kmodd_module_size_bytes",
                "Memory the module occupies, as /proc/modules shows it", module);
        GaugeMetricFamily holders = new GaugeMetricFamily("kmodd_module_holders",
                "Loaded modules that depend on this one", module);
        GaugeMetricFamily state = new GaugeMetricFamily("kmodd_module_state",
                "1 for the module's current state (live, coming or going)", List.of("module", "state"));
        for (LoadedModule m : modules) {
            List<String> name = List.of(m.name().value());
            refcount.addMetric(name, m.refcnt());
            size.addMetric(name, m.sizeBytes());
            holders.addMetric(name, m.holders().size());
            for (ModuleState s : ModuleState.values()) {
                state.addMetric(List.of(m.name().value(), s.wireName()), m.state() == s ? 1 : 0);
            }
        }
        GaugeMetricFamily loaded = new GaugeMetricFamily("kmodd_modules_loaded",
                "Modules currently loaded (lines of /proc/modules)", modules.size());
        GaugeMetricFamily tainted = new GaugeMetricFamily("kmodd_kernel_taint_mask",
                "The kernel's taint mask (/proc/sys/kernel/tainted): nonzero after a forced removal or an unsigned module",
                kernel.taintMask());
        return List.of(refcount, size, holders, state, loaded, tainted);
    }
}
