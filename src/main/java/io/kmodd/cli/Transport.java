package io.kmodd.cli;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/** One HTTP exchange with kmodd, over TCP (with TLS when the URL says https) or its Unix socket. */
interface Transport {

    /** An answer: its status, headers (lower-case names) and body; the body is empty after a stream. */
    record Answer(int status, Map<String, String> headers, String body) {
    }

    /** Sends a request and reads the whole answer. */
    Answer send(String method, String pathAndQuery, Map<String, String> headers, String body) throws IOException;

    /**
     * Sends a request and hands each line of a 2xx answer's body to {@code lines} as it arrives (an event
     * stream); any other answer is read whole and returned with its body.
     */
    Answer stream(String method, String pathAndQuery, Map<String, String> headers, String body, Consumer<String> lines)
            throws IOException;
}
