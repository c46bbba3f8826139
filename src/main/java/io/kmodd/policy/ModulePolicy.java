package io.kmodd.policy;

import io.kmodd.jobs.Refusal;
import io.kmodd.jobs.RefusedException;
import io.kmodd.kernel.ModuleName;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which modules kmodd may load or remove: allow and deny lists of name patterns ({@code *} and
 * {@code ?} wildcards, {@code -} and {@code _} alike). Deny wins; an empty allow list allows nothing.
 * Checked for every module a request touches, dependencies included, before any kernel call. Immutable.
 */
public final class ModulePolicy {
    public static final ModulePolicy ALLOW_ALL = new ModulePolicy(List.of("*"), List.of());

    private final List<String> allowText;
    private final List<Pattern> allow;
    private final List<Pattern> deny;

    public ModulePolicy(List<String> allow, List<String> deny) {
        this.allowText = List.copyOf(allow);
        this.allow = allow.stream().map(ModulePolicy::glob).toList();
        this.deny = deny.stream().map(ModulePolicy::glob).toList();
    }

    private static Pattern glob(String p) {
        StringBuilder re = new StringBuilder();
        for (char c : p.strip().replace('-', '_').toCharArray()) {
            switch (c) {
                case '*' -> re.append("[a-zA-Z0-9_]*");
                case '?' -> re.append("[a-zA-Z0-9_]");
                default -> {
                    if (!Character.isLetterOrDigit(c) && c != '_') {
                        throw new IllegalArgumentException("policy pattern '" + p + "' has '" + c
                                + "'; patterns have letters, digits, '_', '-', '*' and '?'");
                    }
                    re.append(c);
                }
            }
        }
        return Pattern.compile(re.toString());
    }

    /** @throws RefusedException (POLICY_DENIED) when the policy does not allow {@code name} */
    public void check(ModuleName name, String action) {
        String n = name.value();
        for (Pattern d : deny) {
            if (d.matcher(n).matches()) {
                throw new RefusedException(Refusal.POLICY_DENIED, "the policy denies " + action + " " + n
                        + " (kmodd.policy.deny matches '" + d.pattern().replace("[a-zA-Z0-9_]", "") + "')");
            }
        }
        if (allow.stream().noneMatch(a -> a.matcher(n).matches())) {
            throw new RefusedException(Refusal.POLICY_DENIED, "the policy does not allow " + action + " " + n
                    + " (kmodd.policy.allow is " + allowText + ")");
        }
    }
}
