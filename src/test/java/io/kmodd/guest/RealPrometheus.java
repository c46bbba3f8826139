package io.kmodd.guest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The real Prometheus server (Debian's prometheus package) on this machine, started with the shipped
 * deploy/prometheus/prometheus.yml and kmodd-rules.yml, scraping a guest's kmodd through its forward on
 * 127.0.0.1. The test copy changes only what a test must: the target's port, the token file's path, the
 * scrape and evaluation intervals, the alerts' {@code for:} durations and the time threshold of
 * KmoddRemovalStuck. Read through Prometheus's own HTTP API. The intervals are a second on the machine the
 * suite's budgets were set on and scale with a slower one: a scrape's timeout is its interval, and a 1 s
 * timeout on a guest 3.8x slower left kmodd "down" long enough for KmoddNotReady to fire.
 */
final class RealPrometheus implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final int port;
    private final Path dir;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private RealPrometheus(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
    }

    /** Prometheus scraping kmodd every {@code intervalSeconds}, which also sets the evaluation and the alerts' waits. */
    static RealPrometheus scrape(int kmoddPort, String viewerToken, int intervalSeconds) throws Exception {
        Path project = Guest.project();
        Path dir = Files.createTempDirectory(project.resolve("target"), "prometheus-");
        Path token = Files.writeString(dir.resolve("kmodd.token"), viewerToken + "\n");
        String config = Files.readString(project.resolve("deploy/prometheus/prometheus.yml"));
        String rules = Files.readString(project.resolve("deploy/prometheus/kmodd-rules.yml"));
        config = replace(config, "scrape_interval: 15s", "scrape_interval: " + intervalSeconds + "s");
        config = replace(config, "evaluation_interval: 15s", "evaluation_interval: " + intervalSeconds + "s");
        config = replace(config, "credentials_file: /etc/prometheus/kmodd.token", "credentials_file: " + token);
        config = replace(config, "\"127.0.0.1:8080\"", "\"127.0.0.1:" + kmoddPort + "\"");
        rules = replace(rules, "kmodd_jobs_oldest_waiting_seconds > 300", "kmodd_jobs_oldest_waiting_seconds > " + 3 * intervalSeconds);
        rules = replace(rules, "for: 1m", "for: " + 2 * intervalSeconds + "s");
        rules = replace(rules, "for: 5m", "for: " + 5 * intervalSeconds + "s");
        Files.writeString(dir.resolve("prometheus.yml"), config);
        Files.writeString(dir.resolve("kmodd-rules.yml"), rules);
        int port = Guest.freePort();
        Process p;
        try {
            p = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("prometheus is missing: run deploy/dev/setup-debian.sh (Debian package prometheus)", e);
        }
        RealPrometheus prom = new RealPrometheus(p, port, dir);
        prom.await("Prometheus ready", () -> prom.get("/-/ready").statusCode() == 200, Duration.ofSeconds(60));
        return prom;
    }

    /** One occurrence, exactly: a test copy that silently changed nothing would test the wrong file. */
    private static String replace(String text, String from, String to) {
        int at = text.indexOf(from);
        if (at < 0 || text.indexOf(from, at + 1) >= 0) {
            throw new AssertionError("expected exactly one '" + from + "' in the shipped file");
        }
        return text.replace(from, to);
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode api(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = get(path);
        JsonNode j = JSON.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(j.path("status").asText())) {
            throw new AssertionError("Prometheus " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return j.get("data");
    }

    /** The kmodd target's health ("up", "down", "unknown") and its last error. */
    String targetHealth() throws IOException, InterruptedException {
        JsonNode t = api("/api/v1/targets?state=active").get("activeTargets");
        return t.isEmpty() ? "none" : t.get(0).get("health").asText() + " " + t.get(0).get("lastError").asText();
    }

    /** An instant query's result vector. */
    JsonNode query(String expr) throws IOException, InterruptedException {
        return api("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8)).get("result");
    }

    /** The value of a query that yields one sample; NaN when it yields none. */
    double value(String expr) throws IOException, InterruptedException {
        JsonNode r = query(expr);
        return r.isEmpty() ? Double.NaN : Double.parseDouble(r.get(0).get("value").get(1).asText());
    }

    /** The state of an alert ("pending", "firing"), or "inactive" when Prometheus lists none of that name. */
    String alertState(String name) throws IOException, InterruptedException {
        for (JsonNode a : api("/api/v1/alerts").get("alerts")) {
            if (name.equals(a.path("labels").path("alertname").asText())) {
                return a.get("state").asText();
            }
        }
        return "inactive";
    }

    /** Waits until a query's single value satisfies {@code ok}; the last value seen on failure. */
    double awaitValue(String expr, Predicate<Double> ok, Duration limit) throws Exception {
        double[] last = {Double.NaN};
        await(expr, () -> ok.test(last[0] = value(expr)), limit, () -> "last value " + last[0]);
        return last[0];
    }

    interface Check {
        boolean ok() throws Exception;
    }

    void await(String what, Check check, Duration limit) throws Exception {
        await(what, check, limit, () -> "");
    }

    private void await(String what, Check check, Duration limit, java.util.function.Supplier<String> last) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
            }
            try {
                if (check.ok()) {
                    return;
                }
            } catch (IOException e) {
                // Not answering yet.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Prometheus: " + what + " not seen within " + limit + "; " + last.get());
            }
            Thread.sleep(250);
        }
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
