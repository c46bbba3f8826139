package io.kmodd.persistence;

import java.util.Map;

/**
 * What survives a reboot for one module.
 *
 * @param load listed in the modules-load.d drop-in, so systemd-modules-load loads it at boot
 * @param params its "options" line in the modprobe.d drop-in, applied whenever it is loaded
 */
public record PersistedModule(String module, boolean load, Map<String, String> params) {
    public PersistedModule {
        params = Map.copyOf(params);
    }
}
