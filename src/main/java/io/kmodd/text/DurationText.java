package io.kmodd.text;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses and prints the API's durations: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, or a bare number of seconds. */
public final class DurationText {
    private static final Pattern FORM = Pattern.compile("(\\d{1,9})(ms|s|m|h)?");

    private DurationText() {
    }

    /** @throws IllegalArgumentException saying what was wrong */
    public static Duration parse(String text, Duration max) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a duration is required, such as 500ms, 10s or 2m");
        }
        // No stripping: '10s\n' or ' 5s' (a '+' in a query) is not a duration.
        Matcher m = FORM.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + Untrusted.printable(text)
                    + "' is not a duration; use a whole number with ms, s, m or h, such as 500ms, 10s or 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        Duration d = switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
        if (d.compareTo(max) > 0) {
            throw new IllegalArgumentException("'" + Untrusted.printable(text) + "' is longer than the limit of " + format(max));
        }
        return d;
    }

    public static String format(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }
}
