package io.kmodd.policy;

import io.kmodd.kernel.ModuleName;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Which modules kmodd may load or remove: allow and deny lists of name patterns ({@code *} and
 * {@code ?} wildcards, {@code -} and {@code _} alike). Deny wins; an empty allow list allows nothing.
 * Checked for every module a request touches, dependencies included, before any kernel call. Immutable.
 */
public final class ModulePolicy {
    public static final ModulePolicy ALLOW_ALL = new ModulePolicy(List.of("*"), List.of());

    private final List<String> allowText;
    private final List<String> denyText;
    private final List<Pattern> allow;
    private final List<Pattern> deny;

    public ModulePolicy(List<String> allow, List<String> deny) {
        this.allowText = List.copyOf(allow);
        this.denyText = deny.stream().map(String::strip).toList();
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

    /** Why the policy does not allow {@code action} on {@code name}; empty when it does. */
    public Optional<String> denial(ModuleName name, String action) {
        String n = name.value();
        for (int i = 0; i < deny.size(); i++) {
            if (deny.get(i).matcher(n).matches()) {
                return Optional.of("the policy denies " + action + " " + n + " (kmodd.policy.deny matches '"
                        + denyText.get(i) + "')");
            }
        }
        if (allow.stream().noneMatch(a -> a.matcher(n).matches())) {
            return Optional.of("the policy does not allow " + action + " " + n + " (kmodd.policy.allow is " + allowText + ")");
        }
        return Optional.empty();
    }
}
