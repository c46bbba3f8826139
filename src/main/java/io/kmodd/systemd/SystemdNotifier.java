package io.kmodd.systemd;

import com.sun.jna.ptr.LongByReference;
import io.kmodd.jobs.JobRegistry;
import io.kmodd.jobs.JobState;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.KernelSupport;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Type=notify support: READY=1 once kmodd answers, a STATUS line saying what it is doing, and WATCHDOG=1
 * heartbeats at half the interval systemd asks for, each sent only after a quick self-check (the kernel
 * port answers), so a wedged daemon is restarted. Outside systemd ($NOTIFY_SOCKET unset) or without
 * libsystemd it does nothing.
 */
@ApplicationScoped
public class SystemdNotifier {
    private static final Logger LOG = Logger.getLogger(SystemdNotifier.class);

    private final Kernel kernel;
    private final JobRegistry jobs;
    private LibSystemd systemd;
    private ScheduledExecutorService heartbeat;

    public SystemdNotifier(Kernel kernel, JobRegistry jobs) {
        this.kernel = kernel;
        this.jobs = jobs;
    }

    void started(@Observes StartupEvent event) {
        if (System.getenv("NOTIFY_SOCKET") == null) {
            return;
        }
        try {
            systemd = LibSystemd.load();
        } catch (UnsatisfiedLinkError e) {
            LOG.warn("NOTIFY_SOCKET is set but libsystemd.so.0 cannot be loaded; systemd will not hear that kmodd is ready");
            return;
        }
        systemd.sd_notify(0, "READY=1\nSTATUS=" + status());
        LongByReference usec = new LongByReference();
        if (systemd.sd_watchdog_enabled(0, usec) > 0 && usec.getValue() > 0) {
            long periodMs = Math.max(100, usec.getValue() / 2000);
            heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "kmodd-watchdog");
                t.setDaemon(true);
                return t;
            });
            heartbeat.scheduleAtFixedRate(this::ping, periodMs, periodMs, TimeUnit.MILLISECONDS);
            LOG.infof("systemd watchdog: pinging every %d ms", periodMs);
        }
    }

    private void ping() {
        try {
            systemd.sd_notify(0, "WATCHDOG=1\nSTATUS=" + status());
        } catch (RuntimeException e) {
            // A failed self-check skips this ping; systemd restarts kmodd if it keeps failing.
            LOG.warn("watchdog self-check failed; skipping this ping", e);
        }
    }

    private String status() {
        KernelSupport s = kernel.support();
        if (!s.canWrite()) {
            return "not ready: " + String.join("; ", s.problems());
        }
        return "ready; " + kernel.loadedModules().size() + " modules loaded, " + jobs.count(JobState.WAITING)
                + " jobs waiting, " + jobs.count(JobState.QUEUED) + " queued";
    }

    void stopping(@Observes ShutdownEvent event) {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
        }
        if (systemd != null) {
            systemd.sd_notify(0, "STOPPING=1\nSTATUS=stopping");
        }
    }
}
