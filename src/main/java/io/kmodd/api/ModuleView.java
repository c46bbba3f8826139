package io.kmodd.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import java.util.List;
import java.util.Map;

/**
 * A loaded module as the API shows it; {@code parameters} and {@code usage} (the link to what holds it)
 * only in the single-module view. {@code permanent}: the module has no exit function, so the kernel removes
 * it only when forced.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModuleView(String name, String state, int refcnt, long sizeBytes, List<String> holders, String taints,
        Map<String, String> parameters, boolean permanent, String usage) {

    static ModuleView of(LoadedModule m, boolean withParameters) {
        return new ModuleView(m.name().value(), m.state().wireName(), m.refcnt(), m.sizeBytes(),
                m.holders().stream().map(ModuleName::value).toList(), m.taints(), withParameters ? m.parameters() : null,
                m.permanent(), withParameters ? "/modules/" + m.name().value() + "/usage" : null);
    }
}
