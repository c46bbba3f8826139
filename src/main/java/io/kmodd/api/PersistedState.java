package io.kmodd.api;

import io.kmodd.params.ParameterConflict;
import io.kmodd.persistence.PersistedModule;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One module the drop-ins restore at boot, beside what the running kernel has: whether it is loaded, and
 * where its persisted parameters differ from the live ones (drift), so a host that does not match its
 * configuration shows.
 *
 * @param loaded whether the module is loaded now
 * @param drift the persisted parameters whose live value differs; empty when none or not loaded
 * @param unconfirmed persisted parameters whose live value neither the kernel shows nor kmodd knows
 */
public record PersistedState(String module, boolean load, Map<String, String> params, boolean loaded,
        List<Drift> drift, List<String> unconfirmed) {

    /** A persisted parameter that the live module does not have. */
    @Schema(description = "A persisted parameter whose live value differs")
    public record Drift(String parameter, String persisted, String live) {
    }

    static PersistedState of(PersistedModule p, Optional<ParameterConflict> live) {
        return new PersistedState(p.module(), p.load(), p.params(), live.isPresent(),
                live.map(c -> c.differ().stream().map(k -> new Drift(k, p.params().get(k), c.live().get(k))).toList())
                        .orElse(List.of()),
                live.map(ParameterConflict::unconfirmed).orElse(List.of()));
    }
}
