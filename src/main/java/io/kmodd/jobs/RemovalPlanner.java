package io.kmodd.jobs;

import io.kmodd.kernel.HostFacts;
import io.kmodd.kernel.Kernel;
import io.kmodd.kernel.LoadedModule;
import io.kmodd.kernel.ModuleName;
import io.kmodd.kernel.ModuleState;
import io.kmodd.kernel.ModuleUsage;
import io.kmodd.usage.UsageExplainer;
import io.kmodd.usage.UsageExplanation;
import java.util.ArrayList;
import java.util.List;

/**
 * Plans an unload without making it, as {@link ModuleOperations#unload} and {@link RemovalSteps} would
 * meet the modules now: the module with the caller's options, then (removeDependencies) each dependency the
 * way the removal takes it, one attempt without force once the modules before it are gone, and in turn
 * that dependency's own. One host scan explains every step. No kernel call, no job. Thread-safe
 * (stateless).
 */
final class RemovalPlanner {
    private final Kernel kernel;
    private final UsageExplainer explainer;
    private final Admission admission;

    RemovalPlanner(Kernel kernel, UsageExplainer explainer, Admission admission) {
        this.kernel = kernel;
        this.explainer = explainer;
        this.admission = admission;
    }

    /** @throws RefusedException (NOT_LOADED) when the module is not loaded, as the unload itself would */
    RemovalPlan plan(ModuleName name, UnloadOptions options) {
        List<LoadedModule> loaded = kernel.loadedModules();
        LoadedModule target = loaded.stream().filter(m -> m.name().equals(name)).findFirst()
                .orElseThrow(() -> admission.notLoaded(name));
        HostFacts facts = explainer.scan();
        List<RemovalPlan.Step> steps = new ArrayList<>();
        List<ModuleName> going = new ArrayList<>();
        RemovalPlan.Step first = step(target, false, options, going, facts);
        steps.add(first);
        if (options.removeDependencies() && first.outlook() != RemovalPlan.Outlook.BLOCKED) {
            going.add(name);
            addDependencies(name, loaded, going, steps, facts);
        }
        return new RemovalPlan(name.value(), options, steps);
    }

    /** The modules {@code of} uses, each after it; those that would go take their own dependencies along. */
    private void addDependencies(ModuleName of, List<LoadedModule> loaded, List<ModuleName> going, List<RemovalPlan.Step> steps,
            HostFacts facts) {
        for (LoadedModule dep : loaded) {
            if (dep.holders().contains(of) && !going.contains(dep.name())) {
                RemovalPlan.Step s = step(dep, true, new UnloadOptions(java.time.Duration.ZERO, false, true), going, facts);
                steps.add(s);
                if (s.outlook() == RemovalPlan.Outlook.READY) {
                    going.add(dep.name());
                    addDependencies(dep.name(), loaded, going, steps, facts);
                }
            }
        }
    }

    /** One module's outlook; {@code going} are the modules removed before it (holders that will have left). */
    private RemovalPlan.Step step(LoadedModule m, boolean dependency, UnloadOptions options, List<ModuleName> going,
            HostFacts facts) {
        UsageExplanation usage = explainer.explain(m.name(), new ModuleUsage(m.state(), m.refcnt(), m.holders()), facts);
        List<ModuleName> otherHolders = m.holders().stream().filter(h -> !going.contains(h)).toList();
        // Each holder module holds one reference; those removed first give theirs back.
        int refcnt = m.refcnt() - (m.holders().size() - otherHolders.size());
        List<String> blockers = new ArrayList<>();
        RemovalPlan.Outlook outlook;
        if (!otherHolders.isEmpty()) {
            blockers.add("used by " + ModuleName.joined(otherHolders));
            outlook = RemovalPlan.Outlook.BLOCKED;
        } else if (m.permanent()) {
            blockers.add("it has no exit function ([permanent]): the kernel removes it only when forced");
            outlook = options.force() ? RemovalPlan.Outlook.READY : RemovalPlan.Outlook.ONLY_FORCE;
        } else if (refcnt > 0) {
            blockers.add(dependency ? "refcnt " + refcnt + " once the modules before it are gone: " + usage.summary()
                    : usage.summary());
            outlook = options.force() ? RemovalPlan.Outlook.READY : RemovalPlan.Outlook.WAITS;
        } else if (m.state() != ModuleState.LIVE) {
            blockers.add("it is " + m.state().wireName() + "; the removal would wait for it to settle");
            outlook = RemovalPlan.Outlook.WAITS;
        } else {
            outlook = RemovalPlan.Outlook.READY;
        }
        // A dependency gets one attempt, unforced (timeout=0): whatever stands in its way leaves it loaded.
        if (dependency && outlook != RemovalPlan.Outlook.READY) {
            outlook = RemovalPlan.Outlook.STAYS;
        }
        return new RemovalPlan.Step(m.name().value(), dependency, m.state().wireName(), m.refcnt(), m.permanent(), outlook,
                blockers, usage);
    }
}
