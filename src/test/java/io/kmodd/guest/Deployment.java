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

    /** Kills kmodd with SIGKILL, as a crash would, and waits until it answers again. */
    void crash() throws Exception;

    /** Stops kmodd with SIGTERM, as systemctl does, starts it again, and returns the seconds the stop took. */
    double stopAndStart() throws Exception;

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
