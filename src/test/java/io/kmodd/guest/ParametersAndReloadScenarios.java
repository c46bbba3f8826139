package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.kernelCalls;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Parameters never dropped without the caller being told, and a reload with new ones as one job. */
interface ParametersAndReloadScenarios {
    /**
     * Parameters are never dropped without the caller being told, and a reload is one job, on the real
     * kernel: loop's max_loop is readable in sysfs, and the kernel rejects max_loop past 2^20 (EINVAL).
     */
    @Test
    @Order(220)
    default void parametersAreNeverDroppedAndAReloadWithNewOnesIsOneJob() throws Exception {
        if (loaded("loop")) {
            assertThat(awaitJob(startUnload("loop", "timeout=60s"), Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
        }
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}")
                .post("/modules/loop/load?wait=60s").then().statusCode(200).body("effectiveParams.max_loop", equalTo("4"));
        assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("4");

        // Other values than the live ones: 409 with both; the same ones, as the kernel prints them or not: 200.
        double calls = kernelCalls();
        JsonPath conflict = given().contentType("application/json").body("{\"params\":{\"max_loop\":\"8\"}}")
                .post("/modules/loop/load").then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:kmodd:problem:parameter-conflict")).extract().jsonPath();
        assertThat(conflict.getString("parameters.requested.max_loop")).as(conflict.prettify()).isEqualTo("8");
        assertThat(conflict.getString("parameters.live.max_loop")).as(conflict.prettify()).isEqualTo("4");
        assertThat(conflict.getString("detail")).contains("loop is loaded with max_loop=4", "/modules/loop/reload");
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"0x4\"}}")
                .post("/modules/loop/load").then().statusCode(200).body("alreadyLoaded", equalTo(true));
        assertThat(kernelCalls()).isEqualTo(calls);

        // Persisted values that the live module does not have show as drift.
        given().contentType("application/json").body("{\"load\": false, \"params\": {\"max_loop\": \"8\"}}")
                .put("/modules/loop/persistence").then().statusCode(200);
        try {
            given().get("/persistence").then().statusCode(200)
                    .body("find { it.module == 'loop' }.loaded", equalTo(true))
                    .body("find { it.module == 'loop' }.drift[0].parameter", equalTo("max_loop"))
                    .body("find { it.module == 'loop' }.drift[0].persisted", equalTo("8"))
                    .body("find { it.module == 'loop' }.drift[0].live", equalTo("4"));
        } finally {
            given().delete("/modules/loop/persistence").then().statusCode(204);
        }

        // A reload while a descriptor holds loop0 waits and streams; a load arriving meanwhile is answered after it.
        guest().run("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/reload-holder;"
                + " until [ \"$(cat /sys/module/loop/refcnt)\" -ge 1 ]; do sleep 0.1; done");
        try {
            java.util.concurrent.CompletableFuture<String> stream = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                    given().accept("text/event-stream").contentType("application/json").body("{\"params\":{\"max_loop\":\"6\"}}")
                            .post("/modules/loop/reload?timeout=2m").then().statusCode(200).extract().asString());
            String reloadId;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> waiting;
            do {
                assertThat(System.nanoTime()).as("the reload to wait for loop").isLessThan(deadline);
                Thread.sleep(100);
                waiting = given().get("/jobs?module=loop&state=waiting").then().statusCode(200).extract().jsonPath()
                        .getList("findAll { it.operation == 'reload' }.id");
            } while (waiting.isEmpty());
            reloadId = waiting.get(0);
            String lateLoad = given().contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}")
                    .post("/modules/loop/load").then().statusCode(202).extract().path("id");
            // The reload goes on waiting, by its own progress reports, two seconds past the load's arrival.
            long since = waitedMs(reloadId);
            while (waitedMs(reloadId) < since + 2000) {
                assertThat(System.nanoTime()).as("the reload to report its wait (%d ms when the load came)", since)
                        .isLessThan(deadline + TimeUnit.SECONDS.toNanos(60));
                Thread.sleep(100);
            }
            assertThat(given().get("/jobs/" + lateLoad).then().extract().<String>path("state")).isEqualTo("queued");
            assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("4");
            guest().run("kill $(cat /tmp/reload-holder)");
            String events = stream.get(2, TimeUnit.MINUTES);
            assertThat(events).contains("event:refcnt", "event:progress", "delete_module loop: OK", "reloaded loop with max_loop=6");
            JsonPath reload = awaitJob(reloadId, Duration.ofSeconds(10));
            assertThat(reload.getString("state")).as(reload.prettify()).isEqualTo("succeeded");
            assertThat(reload.getString("operation")).isEqualTo("reload");
            assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("6");
            JsonPath late = awaitJob(lateLoad, Duration.ofSeconds(30));
            assertThat(late.getString("error.reason")).as(late.prettify()).isEqualTo("parameter-conflict");
            assertThat(late.getString("error.parameters.live.max_loop")).isEqualTo("6");
        } finally {
            guest().run("kill $(cat /tmp/reload-holder) 2>/dev/null; true");
        }

        // A value kmodd's own checks pass but the kernel rejects: the module comes back with what it had (6, which
        // only kmodd's record knows: Debian's default max_loop is 8).
        JsonPath failed = awaitJob(given().contentType("application/json").body("{\"params\":{\"max_loop\":\"2000000\"}}")
                .post("/modules/loop/reload?timeout=30s").then().statusCode(202).extract().path("id"), Duration.ofMinutes(1));
        assertThat(failed.getString("state")).as(failed.prettify()).isEqualTo("failed");
        assertThat(failed.getString("error.errno")).isEqualTo("EINVAL");
        assertThat(failed.getString("error.detail")).contains("removed loop, but loading it with max_loop=2000000 failed",
                "loaded it again with its previous parameters max_loop=6: OK");
        assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("6");
        assertThat(loaded("loop")).isTrue();

        // A module other modules use: 409, unless they are to be taken down and brought back.
        given().post("/modules/tcp_yeah/load?wait=120s").then().statusCode(200);
        given().post("/modules/tcp_vegas/reload").then().statusCode(409).body("detail", containsString("used by tcp_yeah"));
        JsonPath withHolders = awaitJob(given().post("/modules/tcp_vegas/reload?timeout=60s&withHolders=true").then()
                .statusCode(202).extract().path("id"), Duration.ofMinutes(2));
        assertThat(withHolders.getString("state")).as(withHolders.prettify()).isEqualTo("succeeded");
        assertThat(withHolders.getString("outcome")).as(withHolders.prettify()).endsWith("tcp_yeah taken down and back");
        assertThat(guest().run("cat /sys/module/tcp_vegas/holders/tcp_yeah/initstate")).isEqualTo("live");
        assertThat(awaitJob(startUnload("tcp_yeah", "timeout=60s&removeDependencies=true"), Duration.ofMinutes(1)).getString("state"))
                .isEqualTo("succeeded");
    }

    /** How long a waiting job says it has waited: its last progress event's elapsedMs, or -1 before the first. */
    private static long waitedMs(String id) {
        List<Integer> waited = given().get("/jobs/" + id).then().statusCode(200).extract().jsonPath()
                .getList("events.findAll { it.type == 'progress' }.data.elapsedMs", Integer.class);
        return waited.isEmpty() ? -1 : waited.get(waited.size() - 1);
    }
}
