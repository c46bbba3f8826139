package io.kmodd.guest;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel's own record of one module's coming and going in a guest: its {@code module_load} and
 * {@code module_free} trace events (tracefs, on the monotonic trace clock), brought to the guest's wall clock
 * by trace markers written between two readings of it. What kmodd says it did is judged against this record,
 * not against kmodd's own view, and not against a racer's account of what it did.
 *
 * <p>{@code module_load} fires at the end of load_module, before the module's init runs (the module is then
 * coming); {@code module_free} fires in free_module, after its exit ran. So the module is in the kernel's list
 * at least from each load event to the next free event, and absent from each free event to the next load.
 */
final class ModuleTimeline {
    private static final String TRACING = "/sys/kernel/tracing";
    private static final String SYNC = "kmodd-clock-sync";
    private static final Pattern EVENT = Pattern.compile(
            "\\s(\\d+)\\.(\\d{6}): (module_load|module_free|tracing_mark_write): (\\S+)");
    private static final Pattern COUNTS = Pattern.compile("entries-in-buffer/entries-written: (\\d+)/(\\d+)");

    private final String module;
    /** The instants the module went into the kernel's list and out of it, alternating, the first a load. */
    private final List<Instant> changes;
    private final Duration slack;

    private ModuleTimeline(String module, List<Instant> changes, Duration slack) {
        this.module = module;
        this.changes = changes;
        this.slack = slack;
    }

    /**
     * Starts recording every module's loads and frees, from an empty buffer; the tracing state is the
     * guest's own, so a target under systemd and one started by hand record alike.
     */
    static void start(Guest guest) throws Exception {
        guest.run("rm -f /tmp/kmodd-clock-sync; [ -e " + TRACING + "/trace_marker ] || mount -t tracefs nodev " + TRACING + "; cd " + TRACING
                + " && echo 0 > tracing_on && echo 4096 > buffer_size_kb && echo mono > trace_clock && echo > trace"
                + " && echo 'module:module_load module:module_free' > set_event && echo 1 > tracing_on");
        sync(guest);
    }

    /** A marker on the trace clock, between two readings of the wall clock (bash builtins: microseconds apart). */
    private static void sync(Guest guest) throws Exception {
        String walls = guest.run("bash -c 'cd " + TRACING + "; a=$EPOCHREALTIME; echo " + SYNC
                + " > trace_marker; b=$EPOCHREALTIME; echo \"$a $b\" >> /tmp/kmodd-clock-sync; echo \"$a $b\"'");
        if (!walls.matches("\\d+\\.\\d+ \\d+\\.\\d+")) {
            throw new AssertionError("the guest's wall clock could not be read around a trace marker: " + walls);
        }
    }

    /**
     * Stops recording and reads the record of {@code module}, which was not loaded when {@link #start} ran;
     * the recording is turned off and the trace clock set back to the kernel's default.
     */
    static ModuleTimeline stop(Guest guest, String module) throws Exception {
        sync(guest);
        String trace = guest.run("cd " + TRACING + " && echo 0 > tracing_on && cat trace && echo > set_event"
                + " && echo > trace && echo local > trace_clock");
        List<String> walls = guest.run("cat /tmp/kmodd-clock-sync; rm -f /tmp/kmodd-clock-sync").lines().toList();
        Matcher counts = COUNTS.matcher(trace);
        if (!counts.find() || !counts.group(1).equals(counts.group(2))) {
            throw new AssertionError("the trace buffer lost events; its header: "
                    + trace.lines().limit(6).toList());
        }
        List<Long> markers = new ArrayList<>();
        List<String> kinds = new ArrayList<>();
        List<Long> monos = new ArrayList<>();
        Matcher m = EVENT.matcher(trace);
        while (m.find()) {
            long mono = Long.parseLong(m.group(1)) * 1_000_000_000L + Long.parseLong(m.group(2)) * 1_000L;
            if (m.group(3).equals("tracing_mark_write")) {
                if (m.group(4).equals(SYNC)) {
                    markers.add(mono);
                }
            } else if (m.group(4).equals(module)) {
                kinds.add(m.group(3));
                monos.add(mono);
            }
        }
        // The last two wall-clock brackets are this recording's first and last markers.
        if (markers.size() != 2 || walls.size() < 2) {
            throw new AssertionError("expected the recording's two clock markers, found " + markers.size()
                    + " in the trace and " + walls.size() + " wall-clock readings");
        }
        long[] first = offset(walls.get(walls.size() - 2), markers.get(0));
        long[] last = offset(walls.get(walls.size() - 1), markers.get(1));
        // Wall minus monotonic, as the middle of both brackets; what the two disagree by is slack, with 1 ms for
        // the rounding of a job's instants.
        long offset = (first[0] + first[1] + last[0] + last[1]) / 4;
        long spread = Math.max(Math.max(first[1], last[1]) - offset, offset - Math.min(first[0], last[0]));
        Duration slack = Duration.ofNanos(spread).plusMillis(1);
        List<Instant> changes = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++) {
            String expected = i % 2 == 0 ? "module_load" : "module_free";
            if (!kinds.get(i).equals(expected)) {
                throw new AssertionError("the kernel's record of " + module + " does not alternate load and free at"
                        + " event " + i + ": " + kinds);
            }
            long wall = monos.get(i) + offset;
            changes.add(Instant.ofEpochSecond(wall / 1_000_000_000L, wall % 1_000_000_000L));
        }
        return new ModuleTimeline(module, changes, slack);
    }

    /** Wall minus monotonic nanoseconds, least and most, from a bracket "a b" of wall seconds around a marker. */
    private static long[] offset(String bracket, long mono) {
        String[] ab = bracket.strip().split(" ");
        return new long[] {nanos(ab[0]) - mono, nanos(ab[1]) - mono};
    }

    private static long nanos(String seconds) {
        return new BigDecimal(seconds.strip()).movePointRight(9).longValueExact();
    }

    /**
     * The guest's wall clock minus the host's, least and most, in nanoseconds: one reading of the guest's between
     * two of the host's. What moves an answer timed on the host into this record's clock.
     */
    static long[] guestMinusHost(Guest guest) throws Exception {
        Instant before = Instant.now();
        long g = nanos(guest.run("date +%s.%N"));
        Instant after = Instant.now();
        return new long[] {g - epochNanos(after), g - epochNanos(before)};
    }

    private static long epochNanos(Instant i) {
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    /** How many times the module went into the kernel during the recording. */
    int loads() {
        return (changes.size() + 1) / 2;
    }

    /** How far apart the trace clock and the wall clock may be judged to be. */
    Duration slack() {
        return slack;
    }

    /** Whether the module was in the kernel at some instant in [from, to]. */
    boolean loadedDuring(Instant from, Instant to) {
        for (int i = 0; i < changes.size(); i += 2) {
            Instant in = changes.get(i);
            Instant out = i + 1 < changes.size() ? changes.get(i + 1) : Instant.MAX;
            if (!in.isAfter(to.plus(slack)) && !out.isBefore(from.minus(slack))) {
                return true;
            }
        }
        return false;
    }

    /** Whether the module was out of the kernel at some instant in [from, to]. */
    boolean absentDuring(Instant from, Instant to) {
        for (int i = -1; i < changes.size(); i += 2) {
            Instant out = i < 0 ? Instant.MIN : changes.get(i);
            Instant in = i + 1 < changes.size() ? changes.get(i + 1) : Instant.MAX;
            if (!out.isAfter(to.plus(slack)) && !in.isBefore(from.minus(slack))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return module + ": " + loads() + " loads, " + changes.size() / 2 + " frees (clock slack "
                + slack.toNanos() / 1000 + " us)";
    }
}
