package io.kmodd.usage;

import java.util.List;
import java.util.stream.Collectors;

/**
 * What holds a loaded module, as far as kmodd can see: its refcount, what accounts for it, what a removal
 * would destroy although it holds no reference (network interfaces), and what kmodd could not see. It
 * claims a full explanation only when what it found accounts for the refcount exactly, from sources whose
 * count is exact, with the refcount unchanged across the scan.
 *
 * @param explained how many units of the refcount what was found accounts for
 * @param complete whether that is exactly the refcount (see {@link UsageExplainer})
 */
public record UsageExplanation(String module, int refcnt, int explained, boolean complete, List<Holding> holding,
        List<Holding> removalDestroys, List<String> notVisible) {

    public UsageExplanation {
        holding = List.copyOf(holding);
        removalDestroys = List.copyOf(removalDestroys);
        notVisible = List.copyOf(notVisible);
    }

    /** One line for a progress event (also in the JSON answer) or a failure detail: "refcnt 2, 1 explained: /dev/loop0 open by pid 812 (sleep)". */
    @com.fasterxml.jackson.annotation.JsonProperty("summary")
    public String summary() {
        StringBuilder b = new StringBuilder("refcnt ").append(refcnt);
        if (refcnt == 0 && holding.isEmpty()) {
            b.append(", nothing holds it");
        } else if (explained > refcnt) {
            b.append(", ").append(explained).append(" possible holders found");
        } else {
            b.append(", ").append(explained).append(" explained");
        }
        if (!holding.isEmpty()) {
            b.append(": ").append(holding.stream().map(Holding::what).collect(Collectors.joining("; ")));
        }
        if (explained < refcnt && !notVisible.isEmpty()) {
            b.append(" (not everything was visible: ").append(notVisible.get(0)).append(')');
        }
        return b.toString();
    }
}
