package io.kmodd.kernel;

import java.util.Locale;
import java.util.Optional;

/** A loaded module's lifecycle state, as /sys/module/NAME/initstate and /proc/modules show it. */
public enum ModuleState {
    LIVE, COMING, GOING;

    /** Parses "live", "Live", "coming", "Loading", "going", "Unloading" (the /proc/modules forms). */
    public static Optional<ModuleState> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "live":
                return Optional.of(LIVE);
            case "coming":
            case "loading":
                return Optional.of(COMING);
            case "going":
            case "unloading":
                return Optional.of(GOING);
            default:
                return Optional.empty();
        }
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
