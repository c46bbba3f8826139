package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintStream;
import java.util.Optional;

/**
 * Draws a job's events: on a terminal one line that updates in place (state, refcount, attempts, the
 * busy explanation, time) and the outcome on its own line; otherwise one plain line per event
 * ({@code TYPE: message}), or with --json the events themselves, one JSON object per line.
 */
final class Progress {
    private static final int WIDTH = widthOfTerminal();
    private final String module;
    private final PrintStream out;
    private final boolean tty;
    private final boolean json;
    private JsonNode outcome;
    private String status = "";
    private int attempts;
    private boolean drawn;

    Progress(String module, PrintStream out, boolean tty, boolean json) {
        this.module = module;
        this.out = out;
        this.tty = tty;
        this.json = json;
    }

    void event(JsonNode e) {
        String type = e.path("type").asText();
        String message = e.path("message").asText();
        if (type.equals("outcome")) {
            outcome = e;
        }
        if (json) {
            out.println(e.toString());
            return;
        }
        if (!tty) {
            out.println(type + ": " + message);
            return;
        }
        if (type.equals("attempt")) {
            attempts = e.path("data").path("attempt").asInt(attempts);
        }
        if (type.equals("outcome")) {
            clear();
            out.println(module + ": " + e.path("state").asText() + ": " + message);
            return;
        }
        if (type.equals("warning") || type.equals("dependency")) {
            clear();
            out.println(module + ": " + message);
        } else if (!type.equals("joined") && !type.equals("queued")) {
            status = message;
        }
        if (status.isEmpty()) {
            return; // Nothing to say yet (queued): the line starts with the job's first state.
        }
        long ms = e.path("data").path("elapsedMs").asLong(-1);
        String line = module + ": " + status + (attempts > 0 ? " [" + attempts + (attempts == 1 ? " attempt" : " attempts") + "]" : "")
                + (ms >= 0 ? String.format(" %.1f s", ms / 1000.0) : "");
        clear();
        out.print(line.length() > WIDTH - 1 ? line.substring(0, WIDTH - 2) + "…" : line);
        out.flush();
        drawn = true;
    }

    private void clear() {
        if (drawn) {
            out.print("\r\033[2K");
            drawn = false;
        }
    }

    Optional<JsonNode> outcome() {
        return Optional.ofNullable(outcome);
    }

    private static int widthOfTerminal() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "100")));
        } catch (NumberFormatException e) {
            return 100;
        }
    }
}
