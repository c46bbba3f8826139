package io.kmodd.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every kmodd setting, under the {@code kmodd.} prefix. */
@ConfigMapping(prefix = "kmodd")
public interface KmoddConfig {

    KernelConfig kernel();

    JobsConfig jobs();

    LoadConfig load();

    UnloadConfig unload();

    AuthConfig auth();

    PolicyConfig policy();

    PersistenceConfig persistence();

    HttpConfig http();

    ParamsConfig params();

    interface ParamsConfig {
        /**
         * Where kmodd keeps the parameters it loaded each module with, so that a later load or reload can be
         * checked against values the kernel does not show; by default loaded-with.json beside the job journal
         * ("none": in memory only).
         */
        java.util.Optional<String> recordFile();
    }

    /** Bounds on what HTTP clients can hold open; Quarkus' own quarkus.http.* settings still apply. */
    interface HttpConfig {
        /**
         * How long a connection may take to send a complete request head, and how long a kept-alive
         * connection may sit idle between requests. A request being served (a ?wait=, an SSE stream) is never
         * cut by it.
         */
        @WithDefault("10s")
        Duration headTimeout();
    }

    interface PersistenceConfig {
        /** kmodd's modules-load.d drop-in: systemd-modules-load loads what it lists at boot. */
        @WithDefault("/etc/modules-load.d/kmodd.conf")
        String modulesLoadFile();

        /** kmodd's modprobe.d drop-in: the "options" lines applied whenever the modules load. */
        @WithDefault("/etc/modprobe.d/kmodd.conf")
        String modprobeFile();
    }

    interface AuthConfig {
        /** Whether requests need a bearer token. Switch it off only in tests or behind an authenticating proxy. */
        @WithDefault("true")
        boolean enabled();

        /**
         * The token file (lines NAME ROLE TOKEN, mode 600). Unset: $CREDENTIALS_DIRECTORY/tokens (systemd
         * LoadCredential=), else /etc/kmodd/tokens.
         */
        Optional<String> tokensFile();

        /**
         * Mutual TLS: refuse every request that did not come over TLS with a client certificate the trust
         * store (quarkus.http.ssl.certificate.trust-store-file) verified. Tokens still decide the role.
         */
        @WithDefault("false")
        boolean requireClientCertificate();

        /** Whether GET requests without a token are allowed from loopback, with the viewer role. */
        @WithDefault("false")
        boolean anonymousLoopbackReads();

        /**
         * Failed authentications (401) are logged once per source and interval, then counted: a summary line
         * with the count follows at the end of the interval. 0s logs every one.
         */
        @WithDefault("60s")
        Duration failedAuthInterval();
    }

    interface PolicyConfig {
        /** Module name patterns that may be loaded or removed ('*', '?'; '-' and '_' alike). */
        @WithDefault("*")
        List<String> allow();

        /** Module name patterns that may never be loaded or removed, dependencies included; deny wins. */
        Optional<List<String>> deny();
    }

    interface KernelConfig {
        /** Root of the proc filesystem; tests point it at a fixture tree. */
        @WithDefault("/proc")
        String procRoot();

        /** Root of sysfs; tests point it at a fixture tree. */
        @WithDefault("/sys")
        String sysRoot();

        /** The module tree libkmod reads; unset means /lib/modules/`uname -r` of the running kernel. */
        Optional<String> modulesDir();
    }

    interface JobsConfig {
        /** Finished jobs kept for GET /jobs; the oldest are dropped first. */
        @WithDefault("1000")
        int retainFinished();

        /** How long a finished job is kept at most; an id from before answers 410 Gone. */
        @WithDefault("30d")
        Duration retainFor();

        /** The journal is compacted while running once it passes this size (and twice its compacted size). */
        @WithDefault("16M")
        io.quarkus.runtime.configuration.MemorySize journalMaxSize();

        /**
         * The job journal that lets jobs survive a restart (unfinished ones come back as interrupted);
         * "none" switches it off.
         */
        @WithDefault("/var/lib/kmodd/jobs.jsonl")
        String journal();

        /** Unfinished jobs one module's lane holds before answering 429. */
        @WithDefault("64")
        int laneCapacity();

        /** Unfinished jobs all lanes together hold before answering 503 with Retry-After. */
        @WithDefault("1024")
        int maxUnfinished();

        /**
         * Threads that run every lane's steps and kernel calls (a module's init blocks one for as long as
         * it runs); waiting jobs hold none.
         */
        @WithDefault("8")
        int workerThreads();
    }

    interface LoadConfig {
        /** How long a load may wait for its dependencies and for another loader's EBUSY to settle. */
        @WithDefault("60s")
        Duration timeout();

        /** The longest ?wait= a load request may ask for. */
        @WithDefault("10m")
        Duration maxWait();
    }

    interface UnloadConfig {
        /** The timeout of an unload that names none. */
        @WithDefault("10s")
        Duration defaultTimeout();

        /** The longest timeout an unload may ask for. */
        @WithDefault("1h")
        Duration maxTimeout();

        /**
         * How often a waiting removal reads the refcount; a holder's release is seen within this. Each poll
         * is one pread of the open refcnt file; 20ms costs about 1 % of a core while a removal waits.
         */
        @WithDefault("20ms")
        Duration pollInterval();

        /** How often a waiting job reports its elapsed time. */
        @WithDefault("500ms")
        Duration progressInterval();
    }
}
