package io.kmodd.kernel;

import java.util.Objects;

/**
 * A kernel module name in the kernel's own grammar: letters, digits, {@code _} and {@code -}, at most
 * 55 characters (MODULE_NAME_LEN less the NUL). The kernel treats {@code -} and {@code _} as the same
 * character, so the canonical form, used for equality and for lanes, has every {@code -} turned into
 * {@code _}. Immutable.
 */
public final class ModuleName implements Comparable<ModuleName> {
    public static final int MAX_LENGTH = 55;

    private final String canonical;

    private ModuleName(String canonical) {
        this.canonical = canonical;
    }

    /** Parses untrusted input; throws {@link InvalidModuleNameException} saying what was wrong. */
    public static ModuleName of(String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new InvalidModuleNameException(raw, "a module name is required");
        }
        if (raw.length() > MAX_LENGTH) {
            throw new InvalidModuleNameException(raw,
                    "a module name has at most " + MAX_LENGTH + " characters, this one has " + raw.length());
        }
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-';
            if (!ok) {
                throw new InvalidModuleNameException(raw, String.format(
                        "character %s at position %d is not allowed; a module name has only letters, digits, '_' and '-'",
                        describe(c), i + 1));
            }
        }
        return new ModuleName(raw.replace('-', '_'));
    }

    private static String describe(char c) {
        if (Character.isISOControl(c) || Character.isWhitespace(c) || c > 0x7e) {
            return String.format("U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    /** Names as the API and the log print a list of them: "xfs, btrfs". */
    public static String joined(java.util.Collection<ModuleName> names) {
        return String.join(", ", names.stream().map(ModuleName::value).toList());
    }

    public String value() {
        return canonical;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModuleName other && canonical.equals(other.canonical);
    }

    @Override
    public int hashCode() {
        return Objects.hash(canonical);
    }

    @Override
    public int compareTo(ModuleName o) {
        return canonical.compareTo(o.canonical);
    }

    @Override
    public String toString() {
        return canonical;
    }
}
