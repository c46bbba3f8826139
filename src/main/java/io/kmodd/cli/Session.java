package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One command's conversation with kmodd: requests with the token, answers as JSON, kmodd's problems as a
 * {@link Failure} that says what kmodd said, and job event streams rendered as they arrive.
 */
final class Session {
    static final ObjectMapper JSON = new ObjectMapper();
    private final Transport transport;
    private final String where;
    private final Optional<String> token;
    final boolean json;
    final PrintStream out;
    final boolean tty;

    Session(Transport transport, String where, Optional<String> token, boolean json, PrintStream out, boolean tty) {
        this.transport = transport;
        this.where = where;
        this.token = token;
        this.json = json;
        this.out = out;
        this.tty = tty;
    }

    private Map<String, String> headers(String accept, boolean hasBody) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Accept", accept);
        token.ifPresent(t -> h.put("Authorization", "Bearer " + t));
        if (hasBody) {
            h.put("Content-Type", "application/json");
        }
        return h;
    }

    /** The answer to a request, or a {@link Failure} with kmodd's problem. */
    Transport.Answer send(String method, String path, JsonNode body) {
        Transport.Answer a = any(method, path, body);
        if (a.status() / 100 != 2) {
            throw problem(a);
        }
        return a;
    }

    /** The answer to a request, whatever its status. */
    Transport.Answer any(String method, String path, JsonNode body) {
        try {
            return transport.send(method, path, headers("application/json", body != null),
                    body == null ? null : JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /** A JSON body. */
    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new Failure(ExitCodes.FAILED, "kmodd answered with something that is not JSON");
        }
    }

    /** The JSON answer to a request (null when it has no body). */
    JsonNode call(String method, String path, JsonNode body) {
        String text = send(method, path, body).body();
        try {
            return text.isBlank() ? null : JSON.readTree(text);
        } catch (IOException e) {
            throw new Failure(ExitCodes.FAILED, "kmodd answered " + method + " " + path + " with something that is not JSON");
        }
    }

    /** Prints a JSON answer as it came, for --json. */
    void printJson(JsonNode node) {
        try {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Streams a job (a POST asked with Accept: text/event-stream): each event is drawn as it arrives, and
     * the outcome event ends it. Returns the outcome event.
     */
    JsonNode followJob(String path, JsonNode body, String module) {
        Progress progress = new Progress(module, out, tty, json);
        SseParser parser = new SseParser(progress::event);
        try {
            Transport.Answer a = transport.stream("POST", path, headers("text/event-stream", body != null),
                    body == null ? null : JSON.writeValueAsString(body), parser::line);
            if (a.status() / 100 != 2) {
                throw problem(a);
            }
        } catch (IOException e) {
            throw unreachable(e);
        }
        parser.end();
        return progress.outcome().orElseThrow(() -> new Failure(ExitCodes.FAILED,
                "the event stream from kmodd ended before the job did; see kmoddctl jobs --module " + module));
    }

    /** The exit status a job's outcome event stands for. */
    static int exitCode(JsonNode outcome) {
        String state = outcome.path("state").asText();
        if (state.equals("succeeded")) {
            return ExitCodes.OK;
        }
        if (state.equals("cancelled")) {
            return ExitCodes.CANCELLED;
        }
        return outcome.path("data").path("reason").asText().equals("timeout") ? ExitCodes.TIMEOUT : ExitCodes.FAILED;
    }

    private Failure unreachable(IOException e) {
        return new Failure(ExitCodes.UNREACHABLE, "cannot reach kmodd at " + where + ": "
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
    }

    /** kmodd's problem+json as one message: its detail, and both sets of a parameter conflict. */
    Failure problem(Transport.Answer a) {
        JsonNode p;
        try {
            p = JSON.readTree(a.body());
        } catch (IOException e) {
            p = null;
        }
        if (p == null || !p.has("detail")) {
            return new Failure(ExitCodes.FAILED, "kmodd answered HTTP " + a.status());
        }
        StringBuilder m = new StringBuilder(p.path("detail").asText());
        JsonNode params = p.path("parameters");
        if (params.isObject()) {
            m.append("\n  requested: ").append(pairs(params.path("requested")));
            if (params.path("live").isObject()) {
                m.append("\n  live:      ").append(pairs(params.path("live")));
            }
            if (params.path("queued").isObject()) {
                m.append("\n  queued:    ").append(pairs(params.path("queued")));
            }
        }
        if (a.status() == 401) {
            m.append(" (set KMODD_TOKEN, or run as a user who may read the tokens file)");
        }
        return new Failure(ExitCodes.FAILED, m.toString());
    }

    /** KEY=VALUE pairs of a JSON object, by key. */
    static String pairs(JsonNode map) {
        java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
        map.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        StringBuilder b = new StringBuilder();
        sorted.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
        return b.length() == 0 ? "(none)" : b.toString();
    }

    /** {"params": {k: v}} from k=v words. */
    static ObjectNode paramsBody(java.util.List<String> words) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode params = body.putObject("params");
        for (String w : words) {
            int eq = w.indexOf('=');
            if (eq <= 0) {
                throw new Failure(ExitCodes.USAGE, "parameters are KEY=VALUE (got '" + w + "')");
            }
            params.put(w.substring(0, eq), w.substring(eq + 1));
        }
        return body;
    }
}
