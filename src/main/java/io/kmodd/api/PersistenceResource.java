package io.kmodd.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.persistence.PersistedModule;
import io.kmodd.persistence.PersistenceStore;
import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.policy.ModulePolicy;
import jakarta.ws.rs.core.Response;
import java.util.Set;

/** Persists one module's load and parameters in kmodd's drop-ins, after the body and the policy are checked. */
public class PersistenceResource implements PersistenceApi {
    private static final String FORM = "the body must be a JSON object such as {\"load\": true, \"params\": {\"max_loop\": \"8\"}}";

    private final PersistenceStore store;
    private final ModulePolicy policy;
    private final ObjectMapper json;

    public PersistenceResource(PersistenceStore store, ModulePolicy policy, ObjectMapper json) {
        this.store = store;
        this.policy = policy;
        this.json = json;
    }

    @Override
    public PersistedModule put(String rawName, String body) {
        ModuleName name = ModuleName.of(rawName);
        if (body == null || body.isBlank()) {
            throw JsonBodies.invalid(FORM);
        }
        JsonNode root = JsonBodies.object(json, body, Set.of("load", "params"), FORM);
        JsonNode load = root.get("load");
        if (load == null || !load.isBoolean()) {
            throw JsonBodies.invalid("\"load\" must be true or false; " + FORM);
        }
        ModuleParameters params = ModuleParameters.of(JsonBodies.strings(root.get("params"), "params", FORM));
        allowed(name);
        return store.put(name, load.booleanValue(), params);
    }

    @Override
    public Response forget(String rawName) {
        ModuleName name = ModuleName.of(rawName);
        allowed(name);
        if (!store.remove(name)) {
            throw new ProblemException(Problem.of("not-persisted", "Not persisted", 404,
                    name + " is not in kmodd's drop-ins").withModule(name.value()));
        }
        return Response.noContent().build();
    }

    /** @throws RefusedException (POLICY_DENIED) when the module policy does not allow persisting {@code name} */
    private void allowed(ModuleName name) {
        policy.denial(name, "persisting").ifPresent(why -> {
            throw new RefusedException(Refusal.POLICY_DENIED, why);
        });
    }
}
