package io.kmodd.api;

import io.kmodd.security.Audited;
import java.util.Map;

/** The answer to a load of a module that is already there: no job, no kernel call. */
public record AlreadyLoaded(String module, boolean alreadyLoaded, boolean builtin) implements Audited {
    @Override
    public void describe(Map<String, Object> record) {
        record.put("module", module);
        record.put("outcome", "already-loaded");
    }
}
