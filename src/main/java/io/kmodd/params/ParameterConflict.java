package io.kmodd.params;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Why requested parameters would not be applied: the module is live with other values, or a load with
 * other values is already queued. Immutable.
 *
 * @param requested the parameters the caller asked for
 * @param live the module's values of those parameters as the kernel shows them (or as kmodd loaded it,
 *     where the kernel does not show one); null when the conflict is with a queued load
 * @param queued the values a load already queued on the module's lane will apply; null otherwise
 * @param queuedJob that queued job's id
 * @param differ the requested parameters whose value differs
 * @param unconfirmed the requested parameters whose live value neither the kernel shows nor kmodd knows
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(description = "Requested parameters that would not be applied, with the values in force")
public record ParameterConflict(Map<String, String> requested, @Schema(nullable = true) Map<String, String> live,
        @Schema(nullable = true) Map<String, String> queued, @Schema(nullable = true) String queuedJob,
        List<String> differ, List<String> unconfirmed) {

    public ParameterConflict {
        requested = Map.copyOf(requested);
        live = live == null ? null : Map.copyOf(live);
        queued = queued == null ? null : Map.copyOf(queued);
        differ = List.copyOf(differ);
        unconfirmed = List.copyOf(unconfirmed);
    }

    /** Whether every requested value is confirmed in force. */
    public boolean none() {
        return differ.isEmpty() && unconfirmed.isEmpty();
    }

    /** A sentence saying what would not be applied and what to do, for a person. */
    public String describe(String module) {
        StringBuilder b = new StringBuilder();
        if (queued != null) {
            b.append("a load of ").append(module).append(" with ").append(pairs(queued, differ))
                    .append(" is already queued (job ").append(queuedJob).append("); the requested ")
                    .append(pairs(requested, differ)).append(" would not be applied");
        } else {
            if (!differ.isEmpty()) {
                b.append(module).append(" is loaded with ").append(pairs(live, differ)).append("; the requested ")
                        .append(pairs(requested, differ)).append(" would not be applied");
            }
            if (!unconfirmed.isEmpty()) {
                b.append(b.length() == 0 ? module + " is loaded, but " : "; and ")
                        .append("the live value of ").append(String.join(", ", unconfirmed))
                        .append(" cannot be read and kmodd did not load it, so ")
                        .append(pairs(requested, unconfirmed)).append(" cannot be confirmed");
            }
        }
        return b.append(": reload it to apply parameters (POST /modules/").append(module).append("/reload)").toString();
    }

    private static String pairs(Map<String, String> values, List<String> keys) {
        return keys.stream().map(k -> k + "=" + values.getOrDefault(k, "?")).collect(Collectors.joining(" "));
    }
}
