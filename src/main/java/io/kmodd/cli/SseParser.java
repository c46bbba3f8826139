package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.function.Consumer;

/** Server-sent events, line by line: each event's JSON data is handed on when its blank line arrives. */
final class SseParser {
    private final Consumer<JsonNode> events;
    private final StringBuilder data = new StringBuilder();

    SseParser(Consumer<JsonNode> events) {
        this.events = events;
    }

    void line(String line) {
        if (line.isEmpty()) {
            end();
            return;
        }
        if (line.startsWith("data:")) {
            data.append(data.length() == 0 ? "" : "\n").append(line.substring(line.startsWith("data: ") ? 6 : 5));
        }
        // event: and id: repeat what the JSON data says (its type and seq); comments (":") are keep-alives.
    }

    /** Dispatches an event whose blank line never came (the stream ended). */
    void end() {
        if (data.length() == 0) {
            return;
        }
        try {
            events.accept(Session.JSON.readTree(data.toString()));
        } catch (IOException e) {
            // Not an event of kmodd's: nothing to draw.
        }
        data.setLength(0);
    }
}
