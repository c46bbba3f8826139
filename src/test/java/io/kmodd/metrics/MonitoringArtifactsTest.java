package io.kmodd.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The monitoring that ships in deploy/: Prometheus config and alert rules pass promtool, a real scrape
 * passes promtool check metrics, and every kmodd metric the rules and the Grafana dashboard query is
 * one that kmodd exports.
 */
@QuarkusTest
class MonitoringArtifactsTest {
    private static final Pattern METRIC = Pattern.compile("kmodd_[a-z_]+");

    private static String promtool(Path stdin, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "promtool";
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        if (stdin != null) {
            pb.redirectInput(stdin.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("promtool is missing: run deploy/dev/setup-debian.sh (Debian package prometheus)", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("promtool %s:\n%s", String.join(" ", args), out).isZero();
        return out;
    }

    private static String scrape() {
        SimulatedKernel k = SimulatedKernelProducer.KERNEL;
        k.reset();
        k.define("loop");
        given().post("/modules/loop/load?wait=5s").then().statusCode(200);
        given().post("/modules/loop/unload?timeout=1s").then().statusCode(202);
        k.loadedByOther("dummy", ModuleState.LIVE);
        return given().header("Accept", "text/plain; version=0.0.4").get("/q/metrics").then().statusCode(200)
                .extract().asString();
    }

    @Test
    void rulesAndConfigPassPromtool() throws Exception {
        assertThat(promtool(null, "check", "rules", "deploy/prometheus/kmodd-rules.yml")).contains("SUCCESS: 4 rules found");
        // promtool checks that the token file exists: a copy names one that does, and nothing else changes.
        Path dir = Files.createTempDirectory("kmodd-prometheus");
        Path token = Files.writeString(dir.resolve("kmodd.token"), "a-viewer-token-of-24-chars-or-more\n");
        String config = Files.readString(Path.of("deploy/prometheus/prometheus.yml"));
        assertThat(config).contains("credentials_file: /etc/prometheus/kmodd.token");
        Files.writeString(dir.resolve("prometheus.yml"), config.replace("/etc/prometheus/kmodd.token", token.toString()));
        Files.copy(Path.of("deploy/prometheus/kmodd-rules.yml"), dir.resolve("kmodd-rules.yml"));
        promtool(null, "check", "config", dir.resolve("prometheus.yml").toString());
    }

    /** Each alert rule fires when it should and stays silent when it should not (deploy/prometheus/kmodd-rules.test.yml). */
    @Test
    void alertRulesPassTheirUnitTests() throws Exception {
        String out = promtool(null, "test", "rules", "deploy/prometheus/kmodd-rules.test.yml");
        assertThat(out).contains("SUCCESS");
        // Every rule the file defines is tested.
        String tests = Files.readString(Path.of("deploy/prometheus/kmodd-rules.test.yml"));
        Matcher m = Pattern.compile("- alert: (\\w+)").matcher(Files.readString(Path.of("deploy/prometheus/kmodd-rules.yml")));
        int rules = 0;
        while (m.find()) {
            rules++;
            assertThat(tests).as("a unit test of %s", m.group(1)).contains("alertname: " + m.group(1));
        }
        assertThat(rules).isEqualTo(4);
    }

    @Test
    void aScrapePassesPromtoolCheckMetrics() throws Exception {
        Path f = Files.createTempFile("kmodd-metrics", ".txt");
        Files.writeString(f, scrape());
        promtool(f, "check", "metrics");
    }

    @Test
    void everyQueriedMetricIsExported() throws Exception {
        String metrics = scrape();
        Set<String> exported = new HashSet<>();
        Matcher m = Pattern.compile("^(kmodd_[a-z_]+)[{ ]", Pattern.MULTILINE).matcher(metrics);
        while (m.find()) {
            exported.add(m.group(1));
        }
        Set<String> queried = new HashSet<>();
        collect(Files.readString(Path.of("deploy/prometheus/kmodd-rules.yml")), queried);
        JsonNode dash = new ObjectMapper().readTree(Path.of("deploy/grafana/kmodd-dashboard.json").toFile());
        assertThat(dash.get("panels")).isNotEmpty();
        for (JsonNode panel : dash.get("panels")) {
            for (JsonNode t : panel.get("targets")) {
                collect(t.get("expr").asText(), queried);
            }
        }
        assertThat(queried).contains("kmodd_module_refcount", "kmodd_jobs_oldest_waiting_seconds",
                "kmodd_removal_wait_seconds_bucket", "kmodd_kernel_taint_mask");
        assertThat(exported).containsAll(queried);
    }

    private static void collect(String text, Set<String> into) {
        Matcher m = METRIC.matcher(text);
        while (m.find()) {
            into.add(m.group());
        }
    }
}
