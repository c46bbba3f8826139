package io.kmodd.api;

/** A boolean query parameter, strictly: true, false, 1 or 0, and a clear 400 for anything else. */
final class QueryFlags {
    private QueryFlags() {
    }

    static boolean flag(String name, String value) {
        if ("true".equalsIgnoreCase(value) || "1".equals(value)) {
            return true;
        }
        if ("false".equalsIgnoreCase(value) || "0".equals(value)) {
            return false;
        }
        throw new IllegalArgumentException("query parameter '" + name + "' must be true or false");
    }
}
