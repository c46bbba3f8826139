package io.kmodd.wiring;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.config.KmoddConfig;
import io.kmodd.jobs.JobObserver;
import io.kmodd.jobs.JobSnapshot;
import io.kmodd.journal.JobJournal;
import io.kmodd.persistence.PersistenceStore;
import io.kmodd.policy.ModulePolicy;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.ModuleOperations;
import io.kmodd.jobs.Settings;
import io.kmodd.jobs.Ticker;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.linux.LinuxKernel;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.LoadedWith;
import io.quarkus.arc.DefaultBean;
import jakarta.enterprise.context.ApplicationScoped;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;

/**
 * Builds kmodd's plain-Java core from the configuration and hands it to CDI: the kernel port, the job
 * registry with its journal, the lanes' operations, the module policy and the persistence store. Tests
 * replace the kernel with an alternative.
 */
@ApplicationScoped
public class CoreWiring {

    @Produces
    @DefaultBean
    @ApplicationScoped
    Kernel kernel(KmoddConfig config) {
        KmoddConfig.KernelConfig k = config.kernel();
        return new LinuxKernel(Path.of(k.procRoot()), Path.of(k.sysRoot()), k.modulesDir().orElse(null));
    }

    @Produces
    @ApplicationScoped
    JobJournal journal(KmoddConfig config, ObjectMapper json) {
        if ("none".equals(config.jobs().journal())) {
            return JobJournal.off(json);
        }
        JobJournal journal = new JobJournal(Path.of(config.jobs().journal()), json, Clock.systemUTC(),
                config.jobs().journalMaxSize().asLongValue());
        retryWhileBroken(journal, Ticker.SYSTEM);
        return journal;
    }

    /**
     * A journal that cannot be written (a full disk) is tried again every few seconds, not only at the next
     * job's record: on an idle host readiness must come back by itself once there is room again. The lanes'
     * timer only hands the try to another thread (it is file I/O, and waits for the journal's lock behind a
     * record stuck on a hung disk: the timer thread wakes every waiting job), and the next try is armed when
     * this one has ended, so at most one is ever in flight.
     */
    private static void retryWhileBroken(JobJournal journal, Ticker ticker) {
        ticker.schedule(() -> java.util.concurrent.CompletableFuture.runAsync(journal::heal)
                .whenComplete((v, t) -> retryWhileBroken(journal, ticker)),
                java.util.concurrent.TimeUnit.SECONDS.toNanos(JobJournal.RETRY_SECONDS));
    }

    @Produces
    @ApplicationScoped
    JobRegistry jobRegistry(KmoddConfig config, JobJournal journal) {
        int retain = config.jobs().retainFinished();
        JobJournal.Recovery earlier = journal.recover(retain);
        JobRegistry registry = new JobRegistry(retain, config.jobs().retainFor(), Clock.systemUTC(), journal::record);
        registry.restore(earlier.jobs(), earlier.droppedUpTo());
        journal.compactFrom(registry::retained, registry::horizon);
        return registry;
    }

    /** Explanations answered by the API cost one host scan each, bounded as a waiting removal's are. */
    @Produces
    @jakarta.inject.Singleton
    io.kmodd.usage.UsageExplainer usageExplainer(Kernel kernel) {
        return new io.kmodd.usage.UsageExplainer(kernel, io.kmodd.kernel.ScanBound.HOST);
    }

    /**
     * The live modules' parameters, with kmodd's record of what it loaded each with: in
     * kmodd.params.record-file, by default loaded-with.json beside the job journal (memory only without one).
     */
    @Produces
    @ApplicationScoped
    LiveParameters liveParameters(Kernel kernel, KmoddConfig config, ObjectMapper json) {
        java.util.Optional<Path> file = config.params().recordFile().map(Path::of)
                .or(() -> "none".equals(config.jobs().journal()) ? java.util.Optional.empty()
                        : java.util.Optional.of(Path.of(config.jobs().journal()).resolveSibling("loaded-with.json")));
        return new LiveParameters(kernel, file.filter(f -> !f.toString().equals("none"))
                .map(f -> LoadedWith.at(f, json)).orElseGet(LoadedWith::inMemory));
    }

    @Produces
    @ApplicationScoped
    ModuleOperations operations(Kernel kernel, JobRegistry registry, KmoddConfig config, JobObserver observer,
            ModulePolicy policy, LiveParameters live) {
        Settings settings = new Settings(config.load().timeout(), config.unload().pollInterval(),
                config.unload().progressInterval(), config.jobs().laneCapacity(), config.jobs().maxUnfinished(),
                config.jobs().workerThreads());
        return new ModuleOperations(kernel, registry, settings, observer, Clock.systemUTC(), Ticker.SYSTEM, policy, live);
    }

    @Produces
    @ApplicationScoped
    ModulePolicy policy(KmoddConfig config) {
        return new ModulePolicy(config.policy().allow(), config.policy().deny().orElse(List.of()));
    }

    /**
     * Made at start-up, not at the first persistence request: until the drop-ins' targets exist, the
     * package's /etc links dangle and every modprobe on the host (and libkmod 34 inside kmodd) prints
     * "conf_files_filter_out: Cannot stat directory entry".
     */
    @Produces
    @ApplicationScoped
    @io.quarkus.runtime.Startup
    PersistenceStore persistence(KmoddConfig config) {
        PersistenceStore store = new PersistenceStore(Path.of(config.persistence().modulesLoadFile()),
                Path.of(config.persistence().modprobeFile()));
        try {
            store.prepare();
        } catch (java.io.IOException e) {
            org.jboss.logging.Logger.getLogger(CoreWiring.class)
                    .warnf("cannot create kmodd's drop-ins (%s); persistence will report why when used", e.getMessage());
        }
        return store;
    }

    /**
     * Reads the journal back at start-up, not at the first request: a large one then delays readiness,
     * which is where the time belongs, instead of a caller's first GET /jobs.
     */
    void recoverAtStart(@Observes StartupEvent start, JobRegistry registry, ModuleOperations operations) {
        registry.horizon();
    }

    void close(@Disposes ModuleOperations operations) {
        operations.close();
    }
}
