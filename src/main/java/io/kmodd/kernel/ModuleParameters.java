package io.kmodd.kernel;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Validated module parameters, rendered as the kernel's "key=value key2=value2" argument string.
 * Keys follow the kernel's parameter grammar (letters, digits, '_', '-' and '.' for array members
 * such as {@code foo.bar}); values hold printable characters only, and a value with spaces is quoted
 * the way the kernel's parse_args() understands. Immutable.
 */
public final class ModuleParameters {
    public static final ModuleParameters NONE = new ModuleParameters(Map.of());
    static final int MAX_KEY = 64;
    static final int MAX_VALUE = 1024;
    static final int MAX_COUNT = 64;

    private final Map<String, String> values;

    private ModuleParameters(Map<String, String> values) {
        this.values = Collections.unmodifiableMap(values);
    }

    /** Validates untrusted parameters; throws {@link InvalidParameterException} saying what was wrong. */
    public static ModuleParameters of(Map<String, String> raw) {
        if (raw == null || raw.isEmpty()) {
            return NONE;
        }
        if (raw.size() > MAX_COUNT) {
            throw new InvalidParameterException(null, "at most " + MAX_COUNT + " parameters are accepted");
        }
        Map<String, String> checked = new LinkedHashMap<>();
        raw.forEach((key, value) -> {
            checkKey(key);
            checkValue(key, value);
            checked.put(key, value);
        });
        return new ModuleParameters(checked);
    }

    private static void checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidParameterException(key, "a parameter name is required");
        }
        if (key.length() > MAX_KEY) {
            throw new InvalidParameterException(key, "a parameter name has at most " + MAX_KEY + " characters");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || (c == '.' && i > 0 && i < key.length() - 1);
            if (!ok) {
                throw new InvalidParameterException(key, String.format(
                        "parameter name has character U+%04X at position %d; names have only letters, digits, '_', '-' and inner '.'",
                        (int) c, i + 1));
            }
        }
    }

    private static void checkValue(String key, String value) {
        if (value == null) {
            throw new InvalidParameterException(key, "parameter '" + key + "' needs a value (use \"\" for an empty one)");
        }
        if (value.length() > MAX_VALUE) {
            throw new InvalidParameterException(key,
                    "the value of '" + key + "' has more than " + MAX_VALUE + " characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"') {
                throw new InvalidParameterException(key, String.format(
                        "the value of '%s' has character U+%04X at position %d; values are printable ASCII without '\"'",
                        key, (int) c, i + 1));
            }
        }
    }

    public Map<String, String> asMap() {
        return values;
    }

    public boolean isEmpty() {
        return values.isEmpty();
    }

    /** The argument string for finit_module(2), with modprobe.d options first so that ours win. */
    public String toKernelArgs(String configuredOptions) {
        String ours = values.entrySet().stream()
                .map(e -> e.getValue().contains(" ") ? e.getKey() + "=\"" + e.getValue() + "\""
                        : e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
        if (configuredOptions == null || configuredOptions.isBlank()) {
            return ours;
        }
        return ours.isEmpty() ? configuredOptions.strip() : configuredOptions.strip() + " " + ours;
    }

    /**
     * The set the kernel receives: modprobe.d's {@code configuredOptions} first, then these, which win
     * for a parameter both name (as the kernel's parse_args() applies the last one).
     */
    public Map<String, String> effective(String configuredOptions) {
        Map<String, String> all = new LinkedHashMap<>(parseArgs(configuredOptions));
        all.putAll(values);
        return Collections.unmodifiableMap(all);
    }

    /**
     * Reads an argument string as modprobe.d's "options" lines and the kernel's parse_args() write it:
     * {@code key=value}, {@code key="value with spaces"}, or a bare {@code flag} (an empty value). The
     * last of a repeated key wins.
     */
    public static Map<String, String> parseArgs(String args) {
        Map<String, String> params = new LinkedHashMap<>();
        if (args == null || args.isBlank()) {
            return params;
        }
        java.util.regex.Matcher m = ARG.matcher(args);
        while (m.find()) {
            String v = m.group(2) == null ? "" : m.group(2);
            params.put(m.group(1), v.startsWith("\"") && v.endsWith("\"") && v.length() >= 2 ? v.substring(1, v.length() - 1) : v);
        }
        return params;
    }

    private static final java.util.regex.Pattern ARG = java.util.regex.Pattern.compile("([^\\s=]+)(?:=(\"[^\"]*\"|\\S*))?");

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleParameters other && values.equals(other.values);
    }

    @Override
    public int hashCode() {
        return values.hashCode();
    }

    @Override
    public String toString() {
        return toKernelArgs(null);
    }
}
