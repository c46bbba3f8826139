package io.kmodd.guest;

import java.time.Duration;

/**
 * kmodd as users install it: {@code apt install ./target/kmodd_*_amd64.deb} (the README's command) on a guest
 * booted with systemd as PID 1, so the daemon is the package's own unit, started by the package's
 * postinst, with the token the package made. The unit is never edited by a test.
 */
final class InstalledPackage implements Deployment {
    static final String TOKENS = "/etc/kmodd/tokens";
    private final Guest guest;
    private final Guest.Result install;

    private InstalledPackage(Guest guest, Guest.Result install) {
        this.guest = guest;
        this.install = install;
    }

    /**
     * Installs the freshly built package exactly as the README says, then gives the suite's viewer and
     * operator the tokens an administrator would add (the package makes the admin's), restarting the
     * service so that it reads them, as the README tells an administrator to.
     */
    static InstalledPackage install(Guest guest) throws Exception {
        Guest.Result apt = guest.sh("cd " + Guest.project() + " && apt install ./target/kmodd_*_amd64.deb </dev/null 2>&1");
        InstalledPackage p = new InstalledPackage(guest, apt);
        if (apt.rc() == 0) {
            guest.run("for role in viewer operator; do echo \"guest-$role $role $(head -c 24 /dev/urandom | base64 | tr '+/' '-_')\";"
                    + " done >> " + TOKENS + " && systemctl restart kmodd");
            guest.awaitUp(Duration.ofMinutes(3));
        }
        return p;
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

    /** systemd restarts the killed service (Restart=on-failure); this waits for the new process to answer. */
    @Override
    public void crash(String beforeStop, String whileStopped) throws Exception {
        guest.run("old=$(systemctl show -p MainPID --value kmodd); " + beforeStop + "; kill -STOP $old; " + whileStopped
                + "; systemctl kill -s KILL kmodd;"
                + " while [ \"$(systemctl show -p MainPID --value kmodd)\" = \"$old\" ]; do sleep 0.1; done");
        guest.awaitUp(Duration.ofMinutes(3));
    }

    /** {@code systemctl restart kmodd}; the stop is timed until the old process has exited. */
    @Override
    public double stopAndStart() throws Exception {
        String took = guest.run("old=$(systemctl show -p MainPID --value kmodd); t0=$(date +%s%N);"
                + " systemctl restart --no-block kmodd; while kill -0 $old 2>/dev/null; do sleep 0.1; done;"
                + " echo $(( ($(date +%s%N) - t0) / 1000000 ))");
        guest.run("until systemctl is-active -q kmodd; do sleep 0.2; done");
        guest.awaitUp(Duration.ofMinutes(3));
        return Long.parseLong(took.strip()) / 1000.0;
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
