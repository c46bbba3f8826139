package io.kmodd.jobs;

import io.kmodd.usage.UsageExplanation;
import java.util.List;

/**
 * What an unload with given options would do, worked out without any kernel call: the modules in removal
 * order (the module, then with removeDependencies the dependencies nothing else would use), and for each
 * what stands in the way now.
 */
public record RemovalPlan(String module, UnloadOptions options, List<Step> steps) {
    public RemovalPlan {
        steps = List.copyOf(steps);
    }

    /** What the removal would meet at this module now. */
    public enum Outlook {
        /** Unused and live: delete_module would succeed at once. */
        READY,
        /** In use, or coming or going: the removal would wait, up to its timeout (force: passes a refcount,
         * on kernels built with CONFIG_MODULE_FORCE_UNLOAD, as Debian's are). */
        WAITS,
        /** Other modules hold it: the removal fails at once (409), force or not; remove them first. */
        BLOCKED,
        /** No exit function ([permanent]): only force removes it. */
        ONLY_FORCE,
        /** A dependency that something stands in the way of (removeDependencies makes one unforced attempt): left loaded. */
        STAYS;

        @com.fasterxml.jackson.annotation.JsonValue
        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param dependency whether this step is an unused dependency removed after the module
     * @param blockers what stands in the way now, as sentences
     * @param usage what holds it, as {@code GET /modules/NAME/usage} answers
     */
    public record Step(String module, boolean dependency, String state, int refcnt, boolean permanent, Outlook outlook,
            List<String> blockers, UsageExplanation usage) {
        public Step {
            blockers = List.copyOf(blockers);
        }
    }
}
