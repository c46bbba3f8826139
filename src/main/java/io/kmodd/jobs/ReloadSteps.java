package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterValues;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Runs one reload job on its module's lane: the patient removal an unload does (the same waiting,
 * retries, busy explanation, timeout and cancel), then a load with the new parameters, in one job, so
 * nothing queued on the lane runs between the two halves. Once the module is out the job can no longer
 * be cancelled, and a stop gives it its grace: it must bring the module back. When the new load fails,
 * it loads the module again with the parameters it had (those kmodd loaded it with; modprobe.d's alone
 * when kmodd did not load it) and the outcome says whether that worked: a module is never left unloaded
 * without the job saying so. With holders, {@link HolderTakeDown} wraps it. Thread-safe (stateless).
 */
final class ReloadSteps {
    private final Kernel kernel;
    private final RemovalSteps remover;
    private final LoadSteps loader;
    private final LiveParameters live;
    private final HolderTakeDown holders;

    ReloadSteps(Kernel kernel, RemovalSteps remover, LoadSteps loader, LiveParameters live, Dependencies dependencies,
            Settings settings) {
        this.kernel = kernel;
        this.remover = remover;
        this.loader = loader;
        this.live = live;
        this.holders = new HolderTakeDown(kernel, live, dependencies, settings);
    }

    CompletableFuture<Outcome> run(JobRun run, JobSpec.Reload spec) {
        List<ModuleName> chain = spec.withHolders() ? HolderChain.of(kernel, run.module()) : List.of();
        return chain.isEmpty() ? reload(run, spec) : holders.around(run, chain, spec.removal().timeout(), () -> reload(run, spec));
    }

    /** The reload of the module itself: removal, load, and the restore when the load fails. */
    private CompletableFuture<Outcome> reload(JobRun run, JobSpec.Reload spec) {
        ModuleName name = run.module();
        // What it had, read before it goes: kmodd's record of this load, and what the kernel shows.
        ModuleParameters previous = live.loadedWithParameters(name, spec.target().options()).orElse(ModuleParameters.NONE);
        Map<String, String> shownBefore = kernel.loadedModule(name).map(LoadedModule::parameters).orElse(Map.of());
        String with = spec.effectiveParams().isEmpty() ? "" : " with " + spec.parameters().toKernelArgs(spec.target().options());
        return remover.remove(run, spec.removal())
                .thenCompose(removed -> {
                    run.job().uncancellable(name + " has been removed and is being loaded again");
                    run.event(EventType.STATE, removed + "; loading it again" + with, Map.of("half", "load"));
                    return loader.run(run, spec.load());
                })
                .handle(JobStarter.outcomeOrFailure(run.job()))
                .thenCompose(loaded -> {
                    if (loaded instanceof Outcome.Succeeded s) {
                        return CompletableFuture.completedFuture(new Outcome.Succeeded(s.alreadyLoaded()
                                ? s.message() : "reloaded " + name + with, s.alreadyLoaded()));
                    }
                    if (!(loaded instanceof Outcome.Failed failed) || failed.reason() == Reason.INTERRUPTED
                            || kernel.usage(name).isPresent()) {
                        // Not ours to undo: cancelled or stopping, or the module is in again (another loader).
                        return CompletableFuture.completedFuture(loaded);
                    }
                    return restore(run, spec, failed, previous, shownBefore);
                });
    }

    /** The new load failed and the module is out: loads it with what it had, and says how that went. */
    private CompletableFuture<Outcome> restore(JobRun run, JobSpec.Reload spec, Outcome.Failed failed,
            ModuleParameters previous, Map<String, String> shownBefore) {
        ModuleName name = run.module();
        String had = previous.isEmpty() ? "modprobe.d's options alone (kmodd did not load it, so only those are known)"
                : "its previous parameters " + previous;
        String lead = "removed " + name + ", but loading it" + (spec.parameters().isEmpty() ? "" : " with " + spec.parameters())
                + " failed: " + failed.detail();
        run.event(EventType.WARNING, lead + "; loading it again with " + had, Map.of("restoring", previous.asMap()));
        return loader.run(run, new JobSpec.Load(spec.target(), previous))
                .handle(JobStarter.outcomeOrFailure(run.job()))
                .thenApply(back -> {
                    String detail;
                    if (back instanceof Outcome.Succeeded) {
                        List<String> changed = changedSince(name, shownBefore);
                        detail = lead + "; loaded it again with " + had + ": OK"
                                + (changed.isEmpty() ? "" : "; parameters that now read otherwise than before: " + String.join(", ", changed));
                        run.event(EventType.WARNING, name + " is back with " + had, Map.of("restored", true));
                    } else {
                        detail = lead + "; loading it again with " + had + " failed too: " + back.message() + "; " + name
                                + " is NOT loaded";
                        run.event(EventType.WARNING, name + " could not be brought back", Map.of("restored", false));
                    }
                    return new Outcome.Failed(failed.reason(), failed.errno(), detail, failed.conflict());
                });
    }

    /** The readable parameters whose value now differs from before the removal. */
    private List<String> changedSince(ModuleName name, Map<String, String> before) {
        Map<String, String> now = kernel.loadedModule(name).map(LoadedModule::parameters).orElse(Map.of());
        return before.entrySet().stream()
                .filter(e -> now.containsKey(e.getKey()) && !ParameterValues.same(e.getValue(), now.get(e.getKey())))
                .map(e -> e.getKey() + " (" + e.getValue() + " before, " + now.get(e.getKey()) + " now)")
                .collect(Collectors.toList());
    }
}
