package io.kmodd.systemd;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.LongByReference;

/** The two libsystemd calls kmodd makes, C names kept (sd-daemon(3)). */
interface LibSystemd extends Library {

    static LibSystemd load() {
        return Native.load("systemd", LibSystemd.class);
    }

    /** sd_notify(3): sends a state string to $NOTIFY_SOCKET; > 0 sent, 0 no socket, < 0 -errno. */
    int sd_notify(int unsetEnvironment, String state);

    /** sd_watchdog_enabled(3): > 0 with the interval in µs when the service manager expects pings. */
    int sd_watchdog_enabled(int unsetEnvironment, LongByReference usec);
}
