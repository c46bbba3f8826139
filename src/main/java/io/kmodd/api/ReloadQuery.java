package io.kmodd.api;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The query of a reload: how patient its removal is, and what it may pass or take down on the way. */
public record ReloadQuery(
        @QueryParam("timeout") @Parameter(description = "How long the removal waits and retries (500ms, 10s, 2m);"
                + " default kmodd.unload.default-timeout", example = "10s") String timeout,
        @QueryParam("ignoreBlacklist") @DefaultValue("false") @Parameter(description = "Reload even if modprobe.d"
                + " blacklists it (admin)") String ignoreBlacklist,
        @QueryParam("withHolders") @DefaultValue("false") @Parameter(description = "First take down the modules"
                + " that use it (each must be unused), and load them again afterwards with what kmodd loaded them"
                + " with") String withHolders) {

    boolean overridesBlacklist() {
        return QueryFlags.flag("ignoreBlacklist", ignoreBlacklist);
    }

    boolean takesHoldersDown() {
        return QueryFlags.flag("withHolders", withHolders);
    }
}
