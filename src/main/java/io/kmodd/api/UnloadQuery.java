package io.kmodd.api;

import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.QueryParam;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

/** The query of an unload: how patient, how forceful, whether dependencies go too, and whether only to plan. */
public record UnloadQuery(
        @QueryParam("timeout") @Parameter(description = "How long to wait and retry (500ms, 10s, 2m); 0 is one"
                + " attempt; default kmodd.unload.default-timeout", example = "10s") String timeout,
        @QueryParam("force") @DefaultValue("false") @Parameter(description = "delete_module with O_TRUNC: removes"
                + " it even in use and taints the kernel (admin)") String force,
        @QueryParam("removeDependencies") @DefaultValue("false") @Parameter(description = "Afterwards remove the"
                + " dependencies nothing else uses, as modprobe -r does") String removeDependencies,
        @QueryParam("dryRun") @DefaultValue("false") @Parameter(description = "Answer 200 with what the removal"
                + " would do (RemovalPlan: the modules in removal order, what holds each now, whether only force"
                + " would pass) instead of doing it: no kernel call, no job") String dryRun) {

    boolean forced() {
        return QueryFlags.flag("force", force);
    }

    boolean withDependencies() {
        return QueryFlags.flag("removeDependencies", removeDependencies);
    }

    boolean planOnly() {
        return QueryFlags.flag("dryRun", dryRun);
    }
}
