package io.kmodd.params;

import java.math.BigInteger;
import java.util.Optional;

/**
 * Compares a requested parameter value with the value the kernel shows in /sys/module/M/parameters/P,
 * as the kernel's own setters and getters treat them: a boolean shows as Y or N whatever was written
 * (kstrtobool reads y, t, 1, on as true and n, f, 0, off as false, and a bare flag sets it); numbers are parsed with base 0
 * (0x hex, leading-0 octal, a sign) and printed in decimal (a bint prints 1 or 0); an array shows its
 * elements joined by commas, each compared on its own, the request's being its first ones; anything else
 * (charp, string) is compared as written. The kind is inferred from the live value, so a string that
 * looks like a number is compared as one (sysfs does not name a parameter's type; modinfo's parmtype,
 * through libkmod, would tell them apart). Stateless.
 */
public final class ParameterValues {
    private ParameterValues() {
    }

    /** Whether the kernel holds {@code requested} when it shows {@code live}. */
    public static boolean same(String requested, String live) {
        if (requested.equals(live)) {
            return true;
        }
        if (live.contains(",")) {
            String[] want = requested.split(",", -1);
            String[] have = live.split(",", -1);
            // An array without a count prints every element it can hold (param_array_get): the request's
            // elements are its first ones, the rest are the defaults the request left alone.
            if (want.length > have.length) {
                return false;
            }
            for (int i = 0; i < want.length; i++) {
                if (!scalar(want[i], have[i])) {
                    return false;
                }
            }
            return true;
        }
        return scalar(requested, live);
    }

    private static boolean scalar(String requested, String live) {
        if (requested.equals(live)) {
            return true;
        }
        Optional<BigInteger> have = integer(live);
        if (have.isPresent()) {
            Optional<BigInteger> want = integer(requested);
            if (want.isPresent()) {
                return want.get().equals(have.get());
            }
            // A bint parameter is set like a bool and printed as 1 or 0.
            return (live.equals("1") || live.equals("0")) && bool(requested).map(b -> b == live.equals("1")).orElse(false);
        }
        if (live.equals("Y") || live.equals("N")) {
            return bool(requested).map(b -> b == live.equals("Y")).orElse(false);
        }
        return false;
    }

    /**
     * kstrtobool's reading (by the first letter, or "on"/"off"). An empty value is not a boolean: kmodd
     * sends it as {@code k=}, which kstrtobool refuses (only a bare {@code k} sets one).
     */
    static Optional<Boolean> bool(String s) {
        if (s.isEmpty()) {
            return Optional.empty();
        }
        switch (Character.toLowerCase(s.charAt(0))) {
            case 'y', 't', '1':
                return Optional.of(true);
            case 'n', 'f', '0':
                return Optional.of(false);
            case 'o':
                if (s.length() > 1) {
                    char c = Character.toLowerCase(s.charAt(1));
                    return c == 'n' ? Optional.of(true) : c == 'f' ? Optional.of(false) : Optional.empty();
                }
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }

    /** kstrtol with base 0: an optional sign, then 0x hex, 0 octal or decimal; a trailing newline is allowed. */
    static Optional<BigInteger> integer(String s) {
        String t = s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
        boolean negative = t.startsWith("-");
        if (negative || t.startsWith("+")) {
            t = t.substring(1);
        }
        int radix = 10;
        if (t.length() > 2 && (t.startsWith("0x") || t.startsWith("0X"))) {
            radix = 16;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        int base = radix;
        if (t.isEmpty() || !t.chars().allMatch(c -> Character.digit(c, base) >= 0)) {
            return Optional.empty();
        }
        BigInteger v = new BigInteger(t, base);
        return Optional.of(negative ? v.negate() : v);
    }
}
