package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.budgetMs;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.metric;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** What kmodd shows of itself: its metrics as promtool lints them, and a real Prometheus scraping and alerting. */
interface ObservabilityScenarios {
    @Test
    @Order(140)
    default void metricsPassPromtoolAndShowModuleRefcounts() throws Exception {
        guest().run("T=" + deployment().token("viewer") + "; curl -sf -H \"Authorization: Bearer $T\""
                + " -H \"Accept: text/plain; version=0.0.4\" http://127.0.0.1:8080/q/metrics > /tmp/metrics.txt");
        // promtool runs on this machine (Debian's prometheus package), on the text the guest's kmodd served.
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        try (var in = promtool.getOutputStream()) {
            in.write((guest().run("cat /tmp/metrics.txt") + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String lint = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(promtool.exitValue()).as(lint).isZero();
        String loopRefcnt = guest().run("grep '^kmodd_module_refcount{' /tmp/metrics.txt | grep 'module=\"9pnet\"'");
        assertThat(loopRefcnt).endsWith(" " + guest().run("cat /sys/module/9pnet/refcnt") + ".0");
        // Merged loads are earlier scenarios' (the fifty concurrent loads of 40): one of its own would be a burst
        // with no merge certain (see 40).
        assertThat(metric("kmodd_merged_requests_total", "operation=\"load\"")).isGreaterThan(0);
    }

    /**
     * The real Prometheus with the shipped configuration and rules, authenticating with a viewer token from
     * a file: kmodd's target is up, a refcount series follows the kernel, counters move after a burst,
     * KmoddRemovalStuck goes pending, fires and resolves around a held removal, no series outlives its
     * module, and every Grafana panel's query returns data.
     */
    @Test
    @Order(150)
    default void aRealPrometheusScrapesAndAlertsWithTheShippedConfiguration() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        // Out at the start: the burst below is to load it.
        guest().run("rmmod tcp_yeah 2>/dev/null; true");
        // Rounded: 1 s on a machine up to 1.5x the reference's slowness, 2 s up to 2.5x.
        int interval = (int) Math.max(1, Math.round(budgetMs(1000) / 1000.0));
        try (RealPrometheus prom = RealPrometheus.scrape(guest().kmoddPort(), deployment().token("viewer"), interval)) {
            System.out.println("prometheus: scraping and evaluating every " + interval + " s");
            String[] health = {""};
            prom.await("the kmodd target up", () -> (health[0] = prom.targetHealth()).startsWith("up"), Duration.ofSeconds(60L * interval));
            System.out.println("prometheus: target " + health[0].strip());
            String loopRefcnt = "kmodd_module_refcount{job=\"kmodd\",module=\"loop\"}";
            prom.awaitValue(loopRefcnt, v -> v == 0.0, Duration.ofSeconds(30L * interval));
            guest().run("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/prom-holder; sleep 0.3");
            prom.awaitValue(loopRefcnt, v -> v == 1.0, Duration.ofSeconds(30L * interval));
            System.out.println("prometheus: " + loopRefcnt + " = 1 while /dev/loop0 is held (0 before)");

            // A burst of concurrent loads: kernel calls and merged requests move.
            double calls = prom.value("sum(kmodd_kernel_calls_total)");
            double merged = prom.value("sum(kmodd_merged_requests_total)");
            assertThat(loaded("tcp_yeah")).isFalse();
            ExecutorService pool = Executors.newFixedThreadPool(10);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> burst = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                burst.add(pool.submit((Callable<Response>) () -> {
                    go.await();
                    return given().post("/modules/tcp_yeah/load?wait=60s");
                }));
            }
            go.countDown();
            int mostRequests = 0;
            for (Future<Response> f : burst) {
                Response r = f.get(90, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
                Integer requests = r.path("requests");
                mostRequests = Math.max(mostRequests, requests == null ? 0 : requests);
            }
            pool.shutdown();
            assertThat(mostRequests).as("requests merged into one load").isGreaterThan(1);
            prom.awaitValue("sum(kmodd_kernel_calls_total)", v -> v > calls, Duration.ofSeconds(30L * interval));
            double mergedAfter = prom.awaitValue("sum(kmodd_merged_requests_total)", v -> v > merged, Duration.ofSeconds(30L * interval));
            System.out.println("prometheus: sum(kmodd_kernel_calls_total) " + calls + " -> " + prom.value("sum(kmodd_kernel_calls_total)")
                    + ", sum(kmodd_merged_requests_total) " + merged + " -> " + mergedAfter + " after 10 concurrent loads of tcp_yeah");

            // A removal held past the (test copy's) threshold: pending, then firing; resolved after release.
            String id = startUnload("loop", "timeout=2m");
            prom.await("KmoddRemovalStuck pending", () -> prom.alertState("KmoddRemovalStuck").equals("pending"),
                    Duration.ofSeconds(60L * interval));
            prom.await("KmoddRemovalStuck firing", () -> prom.alertState("KmoddRemovalStuck").equals("firing"),
                    Duration.ofSeconds(60L * interval));
            guest().run("kill $(cat /tmp/prom-holder)");
            assertThat(awaitJob(id, Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
            prom.await("KmoddRemovalStuck resolved", () -> prom.alertState("KmoddRemovalStuck").equals("inactive"),
                    Duration.ofSeconds(60L * interval));
            System.out.println("prometheus: KmoddRemovalStuck pending -> firing while the removal waited -> inactive after release");
            // No series outlives its module.
            prom.await("loop's series gone", () -> prom.query(loopRefcnt).isEmpty(), Duration.ofSeconds(30L * interval));
            assertThat(prom.alertState("KmoddNotReady")).isEqualTo("inactive");

            // Every query of the Grafana dashboard returns data (its variables at "All").
            com.fasterxml.jackson.databind.JsonNode dash = new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(Guest.project().resolve("deploy/grafana/kmodd-dashboard.json").toFile());
            for (com.fasterxml.jackson.databind.JsonNode panel : dash.get("panels")) {
                for (com.fasterxml.jackson.databind.JsonNode t : panel.get("targets")) {
                    String expr = t.get("expr").asText().replace("$instance", ".*").replace("$module", ".*");
                    prom.await("data for panel '" + panel.get("title").asText() + "': " + expr, () -> !prom.query(expr).isEmpty(),
                            Duration.ofSeconds(30L * interval));
                }
            }
        } finally {
            guest().run("kill $(cat /tmp/prom-holder) 2>/dev/null; true");
        }
    }
}
