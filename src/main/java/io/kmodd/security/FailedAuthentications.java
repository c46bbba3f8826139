package io.kmodd.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Coalesces failed authentications in the audit log: the first from a source in an interval is
 * written in full; the rest are counted, and one summary line with the count closes the interval. At most
 * {@value #MAX_SOURCES} sources are tracked at once; past that, new sources share one entry, so neither
 * memory nor the log grows with what a flood sends. Thread-safe (one monitor).
 */
final class FailedAuthentications {
    static final int MAX_SOURCES = 1024;
    static final String OTHERS = "other-sources";

    private static final class Window {
        final Instant start;
        long suppressed;

        Window(Instant start) {
            this.start = start;
        }
    }

    private final Duration interval;
    private final Clock clock;
    private final Consumer<Map<String, Object>> log;
    private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>();

    FailedAuthentications(Duration interval, Clock clock, Consumer<Map<String, Object>> log) {
        this.interval = interval;
        this.clock = clock;
        this.log = log;
    }

    /** One failed authentication from {@code source}; {@code record} is its full audit record. */
    void failed(String source, Map<String, Object> record) {
        if (interval.isZero()) {
            log.accept(record);
            return;
        }
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (this) {
            closeExpired(out);
            String key = windows.containsKey(source) || windows.size() < MAX_SOURCES ? source : OTHERS;
            Window w = windows.get(key);
            if (w == null) {
                windows.put(key, new Window(clock.instant()));
                record.put("coalescing", "further failed authentications from " + key + " in the next "
                        + interval.toSeconds() + "s are counted in one summary line");
                out.add(record);
            } else {
                w.suppressed++;
            }
        }
        out.forEach(log);
    }

    /** Writes the summaries of intervals that have ended; called periodically and on every failure. */
    void flush() {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (this) {
            closeExpired(out);
        }
        out.forEach(log);
    }

    /** Writes the summaries of every interval, ended or not (kmodd is stopping). */
    void flushAll() {
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (this) {
            close(out, true);
        }
        out.forEach(log);
    }

    private void closeExpired(List<Map<String, Object>> out) {
        close(out, false);
    }

    private void close(List<Map<String, Object>> out, boolean all) {
        Instant now = clock.instant();
        for (Iterator<Map.Entry<String, Window>> it = windows.entrySet().iterator(); it.hasNext();) {
            Map.Entry<String, Window> e = it.next();
            Window w = e.getValue();
            if (!all && Duration.between(w.start, now).compareTo(interval) < 0) {
                continue;
            }
            it.remove();
            if (w.suppressed > 0) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("audit", "kmodd");
                s.put("event", "failed-authentications");
                s.put("source", e.getKey());
                s.put("status", 401);
                s.put("count", w.suppressed);
                s.put("from", w.start.toString());
                s.put("to", now.toString());
                out.add(s);
            }
        }
    }

    synchronized int tracked() {
        return windows.size();
    }
}
