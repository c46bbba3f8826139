package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.params.LiveParameters;
import io.kmodd.params.ParameterValues;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Runs one reload job on its module's lane: the patient removal an unload does (the same waiting,
 * retries, busy explanation, timeout and cancel), then a load with the new parameters, in one job, so
 * nothing queued on the lane runs between the two halves. Once the module is out the job can no longer
 * be cancelled: it must bring the module back. When the new load fails, it loads the module again with
 * the parameters it had (those kmodd loaded it with; modprobe.d's alone when kmodd did not load it) and
 * the outcome says whether that worked: a module is never left unloaded without the job saying so.
 * Thread-safe (stateless).
 */
final class ReloadRunner {
    private final Kernel kernel;
    private final PatientRemoval remover;
    private final LoadRunner loader;
    private final LiveParameters live;
    private final Dependencies dependencies;
    private final Settings settings;

    ReloadRunner(Kernel kernel, PatientRemoval remover, LoadRunner loader, LiveParameters live, Dependencies dependencies,
            Settings settings) {
        this.kernel = kernel;
        this.remover = remover;
        this.loader = loader;
        this.live = live;
        this.dependencies = dependencies;
        this.settings = settings;
    }

    CompletableFuture<Outcome> run(JobRun run, JobSpec.Reload spec) {
        List<ModuleName> chain = spec.withHolders() ? HolderChain.of(kernel, run.module()) : List.of();
        if (chain.isEmpty()) {
            return reload(run, spec);
        }
        // The modules using it go first (each one attempt, on its own lane: they were unused when asked) and
        // come back afterwards with what kmodd loaded them with, whatever became of the reload.
        Map<ModuleName, ModuleParameters> had = new LinkedHashMap<>();
        chain.forEach(h -> had.put(h, live.loadedWith(h).map(ReloadRunner::asParameters).orElse(ModuleParameters.NONE)));
        List<Job> takeDowns = new CopyOnWriteArrayList<>();
        long deadline = run.deadlineAfter(spec.removal().timeout());
        CompletableFuture<Void> down = CompletableFuture.completedFuture(null);
        for (ModuleName h : chain) {
            down = down.thenCompose(v -> takeDown(run, h, takeDowns, deadline));
        }
        return down.thenCompose(v -> reload(run, spec))
                .handle((o, t) -> o != null ? o : JobRunner.outcomeOf(run.job(), t))
                .thenCompose(o -> bringBack(run, chain, takeDowns, had).thenApply(failures -> withHolders(o, chain, failures)));
    }

    private CompletableFuture<Void> takeDown(JobRun run, ModuleName holder, List<Job> takeDowns, long deadline) {
        Job d = dependencies.unload(holder, new UnloadOptions(java.time.Duration.ZERO, false, false), run.job().id());
        takeDowns.add(d);
        run.event(EventType.DEPENDENCY, "taking down " + holder + ", which uses " + run.module() + " (job " + d.id() + ")",
                Map.of("module", holder.value(), "job", d.id()));
        return run.awaitEnd(d, deadline, settings.pollInterval(), "waiting for " + holder + " to be removed").thenAccept(s -> {
            if (s.isEmpty() || !s.get().succeeded()) {
                String why = s.map(x -> x.error() == null ? x.state() : x.error().detail()).orElse("it did not end in time");
                throw new JobEnded(new Outcome.Failed(Reason.IN_USE_BY_HOLDERS, holder + " could not be taken down ("
                        + why + "); " + run.module() + " was not reloaded"));
            }
        });
    }

    /**
     * Loads again, users last, each module of the chain that is no longer loaded, after every take-down
     * has ended (so none removes its module after this looked). The modules that could not be brought
     * back, with why; empty when all are back.
     */
    private CompletableFuture<Map<ModuleName, String>> bringBack(JobRun run, List<ModuleName> chain, List<Job> takeDowns,
            Map<ModuleName, ModuleParameters> had) {
        Map<ModuleName, String> failures = new java.util.concurrent.ConcurrentHashMap<>();
        CompletableFuture<Void> back = CompletableFuture.allOf(takeDowns.stream().map(Job::completion)
                .toArray(CompletableFuture[]::new)).handle((v, t) -> null);
        List<ModuleName> usersLast = new java.util.ArrayList<>(chain);
        java.util.Collections.reverse(usersLast);
        for (ModuleName h : usersLast) {
            back = back.thenComposeAsync(v -> {
                if (kernel.usage(h).isPresent()) {
                    return CompletableFuture.completedFuture(null);
                }
                Optional<Job> j;
                try {
                    j = dependencies.load(h, had.get(h), run.job().id());
                } catch (RefusedException e) {
                    failures.put(h, e.getMessage());
                    return CompletableFuture.completedFuture(null);
                }
                j.ifPresent(job -> run.event(EventType.DEPENDENCY, "bringing back " + h + " (job " + job.id() + ")",
                        Map.of("module", h.value(), "job", job.id())));
                return j.map(job -> job.completion().thenAccept(ended -> {
                    JobSnapshot s = ended.snapshot();
                    if (!s.succeeded()) {
                        failures.put(h, s.error() == null ? s.state() : s.error().detail());
                    }
                })).orElse(CompletableFuture.completedFuture(null));
            }, run.workers());
        }
        return back.thenApply(v -> failures);
    }

    /** The reload's outcome, saying what became of the modules taken down for it; any not back fails it. */
    private static Outcome withHolders(Outcome o, List<ModuleName> chain, Map<ModuleName, String> failures) {
        String note = failures.isEmpty() ? "; " + ModuleName.joined(chain) + " taken down and back"
                : "; NOT brought back: " + failures.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .collect(Collectors.joining(", "));
        if (o instanceof Outcome.Succeeded s) {
            return failures.isEmpty() ? new Outcome.Succeeded(s.message() + note, s.alreadyLoaded())
                    : new Outcome.Failed(Reason.DEPENDENCY_FAILED, s.message() + note);
        }
        if (o instanceof Outcome.Failed f) {
            return new Outcome.Failed(f.reason(), f.errno(), f.detail() + note, f.conflict());
        }
        return new Outcome.Cancelled(o.message() + note);
    }

    private static ModuleParameters asParameters(Map<String, String> recorded) {
        try {
            return ModuleParameters.of(recorded);
        } catch (io.kmodd.kernel.InvalidParameterException e) {
            return ModuleParameters.NONE;
        }
    }

    /** The reload of the module itself: removal, load, and the restore when the load fails. */
    private CompletableFuture<Outcome> reload(JobRun run, JobSpec.Reload spec) {
        ModuleName name = run.module();
        // What it had, read before it goes: kmodd's record of this load, and what the kernel shows.
        ModuleParameters previous = live.loadedWith(name).map(p -> previous(p, spec.target().options()))
                .orElse(ModuleParameters.NONE);
        Map<String, String> shownBefore = kernel.loadedModule(name).map(LoadedModule::parameters).orElse(Map.of());
        String with = spec.effectiveParams().isEmpty() ? "" : " with " + spec.parameters().toKernelArgs(spec.target().options());
        return remover.remove(run, spec.removal())
                .thenCompose(removed -> {
                    run.job().uncancellable(name + " has been removed and is being loaded again");
                    run.event(EventType.STATE, removed + "; loading it again" + with, Map.of("half", "load"));
                    return loader.run(run, spec.load());
                })
                .handle((loaded, t) -> loaded != null ? loaded : JobRunner.outcomeOf(run.job(), t))
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
                .handle((back, t) -> back != null ? back : JobRunner.outcomeOf(run.job(), t))
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

    /** The request's part of a recorded effective set: what modprobe.d adds by itself is left to it. */
    private static ModuleParameters previous(Map<String, String> effective, String configured) {
        Map<String, String> options = ModuleParameters.parseArgs(configured);
        try {
            return ModuleParameters.of(effective.entrySet().stream()
                    .filter(e -> !e.getValue().equals(options.get(e.getKey())))
                    .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b, java.util.LinkedHashMap::new)));
        } catch (io.kmodd.kernel.InvalidParameterException e) {
            return ModuleParameters.NONE; // A record from a hand-edited file: modprobe.d's options are what is known.
        }
    }
}
