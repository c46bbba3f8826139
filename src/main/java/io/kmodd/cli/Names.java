package io.kmodd.cli;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Words from the command line as parts of a request path or query: encoded, never trusted. */
final class Names {
    private Names() {
    }

    static String path(String word) {
        return URLEncoder.encode(word, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
