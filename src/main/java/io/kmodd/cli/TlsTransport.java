package io.kmodd.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/** HTTPS with the JDK's client (its trust store and key store, as the JDK's system properties set them). */
final class TlsTransport implements Transport {
    private final URI base;
    private final HttpClient http;

    TlsTransport(URI base) {
        this.base = base;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();
    }

    private HttpRequest request(String method, String pathAndQuery, Map<String, String> headers, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(pathAndQuery))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(b::header);
        return b.build();
    }

    @Override
    public Answer send(String method, String pathAndQuery, Map<String, String> headers, String body) throws IOException {
        try {
            HttpResponse<String> r = http.send(request(method, pathAndQuery, headers, body), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), headers(r), r.body());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    @Override
    public Answer stream(String method, String pathAndQuery, Map<String, String> headers, String body, Consumer<String> lines)
            throws IOException {
        try {
            HttpResponse<InputStream> r = http.send(request(method, pathAndQuery, headers, body),
                    HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                if (r.statusCode() / 100 != 2) {
                    return new Answer(r.statusCode(), headers(r), new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.accept(line);
                }
                return new Answer(r.statusCode(), headers(r), "");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static Map<String, String> headers(HttpResponse<?> r) {
        Map<String, String> h = new HashMap<>();
        r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
        return h;
    }
}
