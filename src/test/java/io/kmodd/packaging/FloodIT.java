package io.kmodd.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The five floods of a new user's worst neighbour, scaled to a tenth, against the packaged daemon started
 * as the unit starts it (its JVM flags: -Xmx128m and the memory caps; its Environment=; the build's class-data-
 * sharing archive), after a month of flapping modules left a 40 MB
 * journal: src/test/flood/flood.py runs them from 127.0.0.1 and measures; this test holds the bounds.
 * BENCHMARKS.md has the full-scale run of the same script.
 */
class FloodIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();
    private static final int TASKS_MAX = 256;
    private static final int MEMORY_MAX_MIB = 384;

    @Test
    void floodsAndARestartStayWithinTheBounds() throws Exception {
        Path out = Files.createTempFile("kmodd-flood", ".json");
        Process p = new ProcessBuilder("python3", PROJECT.resolve("src/test/flood/flood.py").toString(),
                "--scale", System.getProperty("kmodd.flood.scale", "0.1"), "--journal-mb", "40", "--out", out.toString())
                .redirectErrorStream(true).redirectOutput(PROJECT.resolve("target/flood-it.log").toFile()).start();
        assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
        assertThat(p.exitValue()).as(Files.readString(PROJECT.resolve("target/flood-it.log"))).isZero();
        JsonNode r = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));

        // A month of flapping: the journal is compacted at start and /jobs answers a bounded page at once.
        assertThat(r.at("/journalAfterStart/MiB").asDouble()).isLessThan(r.at("/journalBefore/MiB").asDouble() / 2);
        assertThat(r.at("/firstJobsPage/status").asInt()).isEqualTo(200);
        assertThat(r.at("/firstJobsPage/jobs").asInt()).isEqualTo(100);
        assertThat(r.at("/firstJobsPage/next").asBoolean()).isTrue();

        JsonNode phases = r.get("phases");
        for (Iterator<Map.Entry<String, JsonNode>> it = phases.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode ph = e.getValue();
            assertThat(ph.at("/after/threads").asInt()).as("%s threads", e.getKey()).isLessThan(TASKS_MAX / 2);
            assertThat(ph.at("/after/rssMiB").asInt()).as("%s RSS", e.getKey()).isLessThan(MEMORY_MAX_MIB);
            assertThat(ph.at("/after/fds").asInt() - ph.at("/before/fds").asInt()).as("%s fds", e.getKey())
                    .isLessThan(10);
            assertThat(ph.get("errorLines").asInt()).as("%s errors", e.getKey()).isZero();
            assertThat(ph.get("stackTraceLines").asInt()).as("%s stack traces", e.getKey()).isZero();
            ph.path("codes").fieldNames().forEachRemaining(code -> assertThat(code).as("%s code", e.getKey())
                    .isNotEqualTo("500").isNotEqualTo("error"));
        }
        // 1. Failed authentications: all 401, and one audit line for the lot.
        JsonNode auth = phases.get("failedAuth");
        assertThat(auth.at("/codes/401").asInt()).isEqualTo(auth.get("requests").asInt());
        assertThat(auth.get("auditLines").asInt()).isLessThanOrEqualTo(2);
        assertThat(auth.get("logBytes").asInt()).isLessThan(4096);
        // 3. Oversized bodies, chunked or not: 413, one audit record each.
        JsonNode big = phases.get("oversized");
        assertThat(big.at("/codes/413").asInt()).isEqualTo(big.get("requests").asInt());
        assertThat(big.get("auditLines").asInt()).isEqualTo(big.get("requests").asInt());
        // 5. Slow heads and idle keep-alive connections are all closed after the head timeout.
        assertThat(phases.at("/slowloris/openAfterHeadTimeout").asInt()).isZero();
        assertThat(phases.at("/idleConnections/openAfterHeadTimeout").asInt()).isZero();
        assertThat(phases.at("/idleConnections/answered").asInt()).isEqualTo(phases.at("/idleConnections/connections").asInt());
        // Normal load alongside: every answer 200.
        JsonNode clients = phases.get("concurrentClients");
        assertThat(clients.at("/codes/200").asInt()).isEqualTo(clients.get("requests").asInt());

        // SIGTERM within the unit's stop timeout; job ids from before the restart still answer, ids past the
        // retention answer 410.
        assertThat(r.get("stopSeconds").asDouble()).isLessThan(30);
        assertThat(r.at("/idsAfterRestart/200").asInt()).isEqualTo(10);
        assertThat(r.get("forgottenIdAfterRestart").asInt()).isEqualTo(410);
        assertThat(r.at("/final/rssMiB").asInt()).isLessThan(MEMORY_MAX_MIB);
    }
}
