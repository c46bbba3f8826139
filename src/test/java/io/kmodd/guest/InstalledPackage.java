package io.kmodd.guest;

/**
 * kmodd as users install it: {@code apt install ./target/kmodd_*_amd64.deb} (the README's command) on a guest
 * booted with systemd as PID 1, so the daemon is the package's own unit, started by the package's
 * postinst, with the token the package made. The unit is never edited by a test.
 */
final class InstalledPackage implements Deployment {
    static final String TOKENS = "/etc/kmodd/tokens";
    private final Guest guest;
    private final Guest.Result install;
    private final Tokens tokens;
    private final Jdk jdk;

    private InstalledPackage(Guest guest, Guest.Result install, Tokens tokens, Jdk jdk) {
        this.jdk = jdk;
        this.guest = guest;
        this.install = install;
        this.tokens = tokens;
    }

    /** Where the installed service's tokens come from. */
    enum Tokens {
        /**
         * A new host as the README's install finds it: the postinst makes the tokens file with an admin's
         * token; the suite then adds a viewer's and an operator's and restarts the service to read them, as
         * the README tells an administrator to.
         */
        MADE_BY_THE_POSTINST,
        /**
         * A host whose tokens file (admin, operator, viewer) an administrator or a configuration tool put in
         * place before the install: the postinst keeps it as it is, and the service it starts reads it.
         */
        IN_PLACE_BEFORE_THE_INSTALL
    }

    /** The JDK the installed kmodd runs on. */
    enum Jdk {
        /** As the package's launcher (kmodd-java) picks it: the newest Debian OpenJDK of 25 or later, else /usr/bin/java. */
        AS_THE_PACKAGE_PICKS(null),
        /** OpenJDK 21, named in /etc/default/kmodd before the install, as the README tells a user to keep kmodd on it. */
        OPENJDK_21_BY_NAME("/usr/lib/jvm/java-21-openjdk-amd64/bin/java");

        /** The java named in /etc/default/kmodd, or null. */
        final String named;

        Jdk(String named) {
            this.named = named;
        }
    }

    /**
     * Installs the freshly built package exactly as the README says, the tokens as {@code tokens} says, kmodd's
     * JDK as {@code jdk} says.
     */
    static InstalledPackage install(Guest guest, Tokens tokens, Jdk jdk) throws Exception {
        if (jdk.named != null) {
            guest.run("echo KMODD_JAVA=" + jdk.named + " > /etc/default/kmodd");
        }
        String token = "$(head -c 24 /dev/urandom | base64 | tr '+/' '-_')";
        if (tokens == Tokens.IN_PLACE_BEFORE_THE_INSTALL) {
            guest.run("install -d -m 755 /etc/kmodd && umask 077 && for role in admin operator viewer; do"
                    + " echo \"guest-$role $role " + token + "\"; done > " + TOKENS + " && sha256sum " + TOKENS + " > /root/tokens.sum");
        }
        long t0 = System.nanoTime();
        Guest.Result apt = guest.sh("cd " + Guest.project() + " && apt install ./target/kmodd_*_amd64.deb </dev/null 2>&1");
        long t1 = System.nanoTime();
        InstalledPackage p = new InstalledPackage(guest, apt, tokens, jdk);
        if (apt.rc() == 0) {
            if (tokens == Tokens.MADE_BY_THE_POSTINST) {
                guest.run("for role in viewer operator; do echo \"guest-$role $role " + token + "\";"
                        + " done >> " + TOKENS + " && systemctl restart kmodd");
            }
            guest.awaitUp(GuestSession.restartLimit());
            // Where a target's fixed cost goes: the install (the postinst's training run is most of it).
            System.out.printf("apt install (the postinst, its training run and the service's start): %.1f s;"
                    + " then answering %.1f s later%s%n", (t1 - t0) / 1e9, (System.nanoTime() - t1) / 1e9,
                    tokens == Tokens.MADE_BY_THE_POSTINST ? " (a restart for the tokens added)" : "");
        }
        return p;
    }

    /** Which JDK this installation's kmodd was told to run on. */
    Jdk jdk() {
        return jdk;
    }

    /** Where this installation's tokens came from. */
    Tokens tokens() {
        return tokens;
    }

    /** What {@code apt install} printed, and its exit code. */
    Guest.Result installation() {
        return install;
    }

    @Override
    public Guest guest() {
        return guest;
    }

    @Override
    public String token(String role) throws Exception {
        return guest.run("awk '$2==\"" + role + "\"{print $3}' " + TOKENS);
    }

    @Override
    public String pid() {
        return "$(systemctl show -p MainPID --value kmodd)";
    }

    /** systemd restarts the killed service (Restart=on-failure); this waits for the new process to answer. */
    @Override
    public void crash(String beforeStop, String whileStopped) throws Exception {
        guest.run("old=" + pid() + "; " + beforeStop + "; kill -STOP $old; " + whileStopped
                + "; systemctl kill -s KILL kmodd;"
                + " while [ \"" + pid() + "\" = \"$old\" ]; do sleep 0.1; done");
        guest.awaitUp(GuestSession.restartLimit());
    }

    /**
     * {@code systemctl stop kmodd}, timed until the old process has exited; then the unit must settle as
     * inactive (a clean stop), not failed.
     */
    @Override
    public double stop() throws Exception {
        String took = guest.run("old=" + pid() + "; t0=$(date +%s%N);"
                + " systemctl stop --no-block kmodd; while kill -0 $old 2>/dev/null; do sleep 0.1; done;"
                + " echo $(( ($(date +%s%N) - t0) / 1000000 ))");
        // Until systemd has reaped it: deactivating, then inactive, or failed if the exit were counted as one.
        String state = guest.run("for i in $(seq 1 100); do s=$(systemctl is-active kmodd);"
                + " case $s in active|deactivating) sleep 0.1;; *) break;; esac; done; echo $s");
        if (!state.strip().equals("inactive")) {
            throw new AssertionError("after systemctl stop kmodd the unit is " + state.strip() + ", not inactive:\n"
                    + guest.run("systemctl status kmodd --no-pager 2>&1 | tail -n 5; true"));
        }
        return Long.parseLong(took.strip()) / 1000.0;
    }

    /**
     * The installed build, through the package's launcher (the service's JDK and the archive the postinst made
     * for it), with the options make-archive trains with, which the archive must be used with.
     */
    @Override
    public String javaWithArchive() {
        return "cd /usr/lib/kmodd && exec /usr/lib/kmodd/kmodd-java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx128m";
    }

    @Override
    public String log() throws Exception {
        return guest.run("journalctl -u kmodd --no-pager -o cat");
    }

    /** The unit's StateDirectory (DynamicUser: /var/lib/kmodd links to it), a small tmpfs in the guest. */
    @Override
    public String stateDir() {
        return "/var/lib/private/kmodd";
    }

    /** The package's link into the unit's state directory. */
    @Override
    public String modprobeFile() {
        return "/etc/modprobe.d/kmodd.conf";
    }

    /** The package's link into the unit's state directory. */
    @Override
    public String modulesLoadFile() {
        return "/etc/modules-load.d/kmodd.conf";
    }

    /** The boot's own service, which reads every modules-load.d directory; modprobe.d applies as at boot. */
    @Override
    public Guest.Result replayBoot() throws Exception {
        return guest.sh("systemctl restart systemd-modules-load.service 2>&1");
    }
}
