package io.kmodd.api;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The query of a load: whether to hold the answer until the job ends, and whether to pass a blacklist. */
public record LoadQuery(
        @QueryParam("wait") @Parameter(description = "Hold the answer until the job ends, at most this long"
                + " (500ms, 30s, 2m)", example = "30s") String waitFor,
        @QueryParam("ignoreBlacklist") @DefaultValue("false") @Parameter(description = "Load even if modprobe.d"
                + " blacklists it (admin)") String ignoreBlacklist) {

    boolean overridesBlacklist() {
        return QueryFlags.flag("ignoreBlacklist", ignoreBlacklist);
    }
}
