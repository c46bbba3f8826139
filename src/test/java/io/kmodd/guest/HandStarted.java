package io.kmodd.guest;

/**
 * kmodd started by hand (java -jar, src/test/guest/start-kmodd.sh) in the guest's read-only chroot of this
 * machine: tokens and drop-ins live in /tmp/kmodd, the log in the results share.
 */
record HandStarted(Guest guest) implements Deployment {
    @Override
    public String token(String role) throws Exception {
        return guest.run("awk '$2==\"" + role + "\"{print $3}' /tmp/kmodd/tokens");
    }

    @Override
    public String pid() {
        return "$(cat /tmp/kmodd.pid)";
    }

    @Override
    public void crash(String beforeStop, String whileStopped) throws Exception {
        guest.run(beforeStop + "; kill -STOP $(cat /tmp/kmodd.pid); " + whileStopped);
        killAndRestart();
    }

    @Override
    public String stateDir() {
        return "/tmp/kmodd";
    }

    @Override
    public String modprobeFile() {
        return "/tmp/kmodd/modprobe.d/kmodd.conf";
    }

    @Override
    public double stop() throws Exception {
        String took = guest.run("t0=$(date +%s%N); p=$(cat /tmp/kmodd.pid); kill -TERM $p; while kill -0 $p 2>/dev/null;"
                + " do sleep 0.1; done; echo $(( ($(date +%s%N) - t0) / 1000000 ))");
        return Long.parseLong(took.strip()) / 1000.0;
    }

    /** SIGKILL to the stopped daemon, then a new one started, once it has gone. */
    private void killAndRestart() throws Exception {
        // The daemon by its pid: a second kmodd of the suite's (the zstd tree) may be running beside it.
        guest.run("p=$(cat /tmp/kmodd.pid); kill -9 $p 2>/dev/null; while kill -0 $p 2>/dev/null; do sleep 0.1; done; sh "
                + Guest.project().resolve("src/test/guest/start-kmodd.sh"));
        guest.awaitUp(GuestSession.restartLimit());
    }

    /** The build in the project, with the build's class-data-sharing archive where it made one, as start-kmodd.sh. */
    @Override
    public String javaWithArchive() {
        return "cd " + Guest.project().resolve("target/quarkus-app")
                + " && exec java $([ -f app-cds.jsa ] && echo -XX:SharedArchiveFile=app-cds.jsa) -XX:TieredStopAtLevel=1 -Xmx128m";
    }

    @Override
    public String log() {
        return guest.hostCopy("kmodd.log");
    }

    @Override
    public String modulesLoadFile() {
        return "/tmp/kmodd/modules-load.d/kmodd.conf";
    }

    @Override
    public Guest.Result replayBoot() throws Exception {
        // The guest's /etc is this machine's, read-only: the modprobe.d drop-in is bind-mounted over it.
        return guest.sh("mount --bind /tmp/kmodd/modprobe.d /etc/modprobe.d"
                + " && /lib/systemd/systemd-modules-load " + modulesLoadFile() + "; rc=$?; umount /etc/modprobe.d; exit $rc");
    }
}
