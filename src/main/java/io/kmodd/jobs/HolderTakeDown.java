package io.kmodd.jobs;

import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleParameters;
import io.kmodd.params.LiveParameters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * A reload's {@code withHolders}: the unused modules that use the module are removed first, users first,
 * each with one attempt on its own lane, and loaded again afterwards, users last, whatever became of the
 * reload, with what kmodd loaded them with (modprobe.d's options alone when it did not load them, which
 * the outcome says). If the module itself is not back, they stay out, and the outcome says that too.
 * Thread-safe (stateless).
 */
final class HolderTakeDown {
    private final Kernel kernel;
    private final LiveParameters live;
    private final Dependencies dependencies;
    private final Settings settings;

    HolderTakeDown(Kernel kernel, LiveParameters live, Dependencies dependencies, Settings settings) {
        this.kernel = kernel;
        this.live = live;
        this.dependencies = dependencies;
        this.settings = settings;
    }

    /** Takes {@code chain} down, runs {@code reload}, brings the chain back, and tells it in the outcome. */
    CompletableFuture<Outcome> around(JobRun run, List<ModuleName> chain, Duration timeout, Supplier<CompletableFuture<Outcome>> reload) {
        Map<ModuleName, Optional<ModuleParameters>> had = new LinkedHashMap<>();
        chain.forEach(h -> had.put(h, live.loadedWithParameters(h, "")));
        List<Job> takeDowns = new CopyOnWriteArrayList<>();
        long deadline = run.deadlineAfter(timeout);
        CompletableFuture<Void> down = CompletableFuture.completedFuture(null);
        for (ModuleName h : chain) {
            down = down.thenCompose(v -> takeDown(run, h, takeDowns, deadline));
        }
        return down.thenCompose(v -> reload.get())
                .handle(JobStarter.outcomeOrFailure(run.job()))
                .thenCompose(o -> bringBack(run, chain, takeDowns, had).thenApply(notes -> told(o, chain, notes)));
    }

    private CompletableFuture<Void> takeDown(JobRun run, ModuleName holder, List<Job> takeDowns, long deadline) {
        Job d = dependencies.unload(holder, new UnloadOptions(Duration.ZERO, false, false), run.job().id());
        takeDowns.add(d);
        run.event(EventType.DEPENDENCY, "taking down " + holder + ", which uses " + run.module() + " (job " + d.id() + ")",
                Map.of("module", holder.value(), "job", d.id()));
        return run.awaitEnd(d, deadline, settings.pollInterval(), "waiting for " + holder + " to be removed").thenAccept(s -> {
            if (s.isEmpty() || !s.get().succeeded()) {
                String why = s.map(JobSnapshot::why).orElse("it did not end in time");
                throw new JobEnded(new Outcome.Failed(Reason.IN_USE_BY_HOLDERS, holder + " could not be taken down ("
                        + why + "); " + run.module() + " was not reloaded"));
            }
        });
    }

    /** What became of each module of the chain that was out: empty when all are back as they were. */
    private record Notes(Map<ModuleName, String> notBack, List<ModuleName> withOptionsOnly) {
    }

    /**
     * Loads again, users last, each module of the chain that is no longer loaded, once every take-down has
     * ended (so none removes its module after this looked). None while the module itself is out: loading
     * a user would load the module with defaults behind this job's back.
     */
    private CompletableFuture<Notes> bringBack(JobRun run, List<ModuleName> chain, List<Job> takeDowns,
            Map<ModuleName, Optional<ModuleParameters>> had) {
        Notes notes = new Notes(new ConcurrentHashMap<>(), new CopyOnWriteArrayList<>());
        CompletableFuture<Void> back = CompletableFuture.allOf(takeDowns.stream().map(Job::completion)
                .toArray(CompletableFuture[]::new)).handle((v, t) -> null);
        List<ModuleName> usersLast = new ArrayList<>(chain);
        Collections.reverse(usersLast);
        for (ModuleName h : usersLast) {
            back = back.thenComposeAsync(v -> {
                if (kernel.usage(h).isPresent()) {
                    return CompletableFuture.completedFuture(null);
                }
                if (kernel.usage(run.module()).isEmpty()) {
                    notes.notBack().put(h, run.module() + " is not loaded");
                    return CompletableFuture.completedFuture(null);
                }
                Optional<Job> j;
                try {
                    j = dependencies.load(h, had.get(h).orElse(ModuleParameters.NONE), run.job().id());
                } catch (RefusedException e) {
                    notes.notBack().put(h, e.getMessage());
                    return CompletableFuture.completedFuture(null);
                }
                if (had.get(h).isEmpty()) {
                    notes.withOptionsOnly().add(h);
                }
                j.ifPresent(job -> run.event(EventType.DEPENDENCY, "bringing back " + h + " (job " + job.id() + ")",
                        Map.of("module", h.value(), "job", job.id())));
                // The reload cannot be cancelled any more (its module is back): the wait is bounded as a load step is.
                return j.map(job -> run.awaitEnd(job, run.deadlineAfter(settings.loadTimeout()), settings.pollInterval(),
                        "waiting for " + h + " to be loaded again").thenAccept(ended -> {
                            if (ended.isEmpty()) {
                                notes.notBack().put(h, "its load (job " + job.id() + ") had not ended after "
                                        + settings.loadTimeout().toSeconds() + " s; it goes on by itself");
                            } else if (!ended.get().succeeded()) {
                                notes.notBack().put(h, ended.get().why());
                            }
                        })).orElse(CompletableFuture.completedFuture(null));
            }, run.workers());
        }
        return back.thenApply(v -> notes);
    }

    /** The reload's outcome, saying what became of the modules taken down for it; any not back fails it. */
    private static Outcome told(Outcome o, List<ModuleName> chain, Notes notes) {
        String note = notes.notBack().isEmpty() ? "; " + ModuleName.joined(chain) + " taken down and back"
                : "; NOT brought back: " + notes.notBack().entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")")
                        .collect(Collectors.joining(", "));
        if (!notes.withOptionsOnly().isEmpty()) {
            note += " (" + ModuleName.joined(notes.withOptionsOnly()) + " with modprobe.d's options only: kmodd did not load"
                    + (notes.withOptionsOnly().size() == 1 ? " it" : " them") + ", so other parameters are not known)";
        }
        if (o instanceof Outcome.Succeeded s) {
            return notes.notBack().isEmpty() ? new Outcome.Succeeded(s.message() + note, s.alreadyLoaded())
                    : new Outcome.Failed(Reason.DEPENDENCY_FAILED, s.message() + note);
        }
        if (o instanceof Outcome.Failed f) {
            return new Outcome.Failed(f.reason(), f.errno(), f.detail() + note, f.conflict());
        }
        return new Outcome.Cancelled(o.message() + note);
    }
}
