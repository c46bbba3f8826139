package io.kmodd.api;

import io.kmodd.kernel.ModuleName;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterConflict;
import io.kmodd.persistence.PersistedModule;
import io.kmodd.persistence.PersistenceStore;
import java.util.List;
import java.util.Optional;

/** Everything kmodd's drop-ins restore at boot, read anew from the files each time, beside the live parameters. */
public class PersistenceListResource implements PersistenceListApi {
    private final PersistenceStore store;
    private final LiveParameters live;

    public PersistenceListResource(PersistenceStore store, LiveParameters live) {
        this.store = store;
        this.live = live;
    }

    @Override
    public List<PersistedState> list() {
        return store.list().stream().map(p -> PersistedState.of(p, checked(p))).toList();
    }

    private Optional<ParameterConflict> checked(PersistedModule p) {
        try {
            return live.check(ModuleName.of(p.module()), p.params());
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // A hand-written line naming no valid module: nothing to compare.
        }
    }
}
