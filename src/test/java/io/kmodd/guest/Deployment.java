package io.kmodd.guest;

/**
 * How kmodd runs in a guest, as far as the shared scenarios must know: where its tokens are, how it is
 * crashed and stopped, where it logs, and where its persistence drop-ins are. The scenarios themselves
 * are the same for every deployment and every kernel.
 */
sealed interface Deployment permits HandStarted, InstalledPackage {
    Guest guest();

    /** The token of a role (viewer, operator, admin), as the guest holds it. */
    String token(String role) throws Exception;

    /** A shell expression for the running daemon's pid in the guest. */
    String pid();

    /** Kills kmodd with SIGKILL, as a crash would, and waits until it answers again. */
    default void crash() throws Exception {
        crash("true", "true");
    }

    /**
     * Runs {@code beforeStop} in the guest, then in the same shell stops kmodd (SIGSTOP: every thread at once,
     * no write half done by the kernel), runs {@code whileStopped} (what the crash leaves behind, such as a
     * torn journal line), kills it with SIGKILL and waits until it answers again.
     */
    void crash(String beforeStop, String whileStopped) throws Exception;

    /**
     * The directory holding kmodd's journal, parameter record and drop-ins, on a small filesystem of its own
     * in every guest, which a scenario fills to make a full disk.
     */
    String stateDir();

    /** The job journal. */
    default String journalFile() {
        return stateDir() + "/jobs.jsonl";
    }

    /** The modprobe.d drop-in kmodd writes (a module's options at boot). */
    String modprobeFile();

    /**
     * Stops kmodd with SIGTERM, as systemctl does, and returns the seconds until it had exited; it stays
     * stopped. Under systemd the unit must then be inactive: a clean stop, not a failure.
     */
    double stop() throws Exception;

    /**
     * A shell command that runs kmodd's build as this deployment has it, from its own directory and with the
     * start-up archive made for it, for a second kmodd beside the first: the caller adds its JVM options and
     * {@code -jar quarkus-run.jar}. It execs the JVM, so that run in a subshell, {@code $!} is the JVM's pid.
     */
    String javaWithArchive();

    /** What kmodd has logged. */
    String log() throws Exception;

    /** The modules-load.d drop-in kmodd writes (a boot loads what it lists). */
    String modulesLoadFile();

    /**
     * Does what a boot does, without kmodd: systemd-modules-load loads the modules its drop-ins list, with
     * the options of the modprobe.d drop-ins.
     */
    Guest.Result replayBoot() throws Exception;
}
