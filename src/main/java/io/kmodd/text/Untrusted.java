package io.kmodd.text;

/**
 * Prints text that came from a client (a query parameter's name, a body field, a duration) inside an
 * answer or a log line: every character outside printable ASCII becomes {@code \\uXXXX}, and long text
 * is cut, so a hostile value can neither forge log lines nor bloat an answer. Stateless.
 */
public final class Untrusted {
    /** The most characters of client text that an answer or a log line repeats. */
    public static final int MAX = 64;

    private Untrusted() {
    }

    public static String printable(String s) {
        return printable(s, MAX);
    }

    public static String printable(String s, int max) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(Math.min(s.length(), max) + 8);
        for (int i = 0; i < s.length(); i++) {
            if (b.length() >= max) {
                return b.append("...").toString();
            }
            char c = s.charAt(i);
            b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }
}
