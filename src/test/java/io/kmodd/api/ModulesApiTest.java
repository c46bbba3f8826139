package io.kmodd.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.startsWith;

import io.kmodd.kernel.Errno;
import io.kmodd.kernel.KernelSupport;
import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP contract against the simulated kernel: codes, problem+json, jobs, SSE and metrics. */
@QuarkusTest
class ModulesApiTest {
    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;

    @BeforeEach
    void reset() {
        kernel.reset();
        kernel.define("loop").define("libcrc32c").define("xfs", "libcrc32c");
    }

    @Test
    void listAndDetailShowTheKernelsView() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 1);
        given().get("/modules").then().statusCode(200).body("name", hasItem("loop"));
        given().get("/modules/loop").then().statusCode(200)
                .body("name", equalTo("loop")).body("state", equalTo("live")).body("refcnt", equalTo(1))
                .body("parameters", notNullValue());
    }

    @Test
    void usageExplainsTheRefcountFromWhatTheHostShows() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 2);
        io.kmodd.kernel.DeviceNumber loop0 = new io.kmodd.kernel.DeviceNumber(io.kmodd.kernel.DeviceNumber.Kind.BLOCK, 7, 0);
        kernel.hostFacts(new io.kmodd.kernel.HostFacts(List.of(), List.of(new io.kmodd.kernel.HostFacts.OpenDevice(812, "qemu-img",
                java.util.Optional.of("backup.service"), "/dev/loop0", loop0, java.util.Optional.empty())), List.of(), List.of(),
                java.util.Map.of(7, "loop"), java.util.Map.of(), List.of("processes: the scan stopped after 10 of 20 processes")));
        given().get("/modules/loop/usage").then().statusCode(200)
                .body("module", equalTo("loop")).body("refcnt", equalTo(2)).body("explained", equalTo(1))
                .body("complete", equalTo(false))
                .body("holding[0].kind", equalTo("process")).body("holding[0].details.pid", equalTo(812))
                .body("holding[0].source", equalTo("/proc/812/fd"))
                .body("notVisible[0]", startsWith("processes: the scan stopped"))
                .body("summary", startsWith("refcnt 2, 1 explained: /dev/loop0 open by pid 812 (qemu-img, backup.service)"));
        given().get("/modules/loop").then().statusCode(200).body("usage", equalTo("/modules/loop/usage"));
        given().get("/modules/xfs/usage").then().statusCode(404).contentType("application/problem+json");
        given().urlEncodingEnabled(false).get("/modules/..%2Fx/usage").then().statusCode(400);
        assertThat(kernel.hostScans()).isEqualTo(1);
    }

    @Test
    void aDryRunPlansTheRemovalWithoutAKernelCallOrAJob() {
        given().post("/modules/xfs/load?wait=5s").then().statusCode(200);
        int jobs = given().get("/jobs?limit=1000").then().extract().jsonPath().getList("id").size();
        int calls = kernel.totalCalls();
        // xfs unused: removed at once, and libcrc32c, used by xfs alone, after it.
        given().post("/modules/xfs/unload?dryRun=true&removeDependencies=true&timeout=5s").then().statusCode(200)
                .body("module", equalTo("xfs")).body("options.removeDependencies", equalTo(true))
                .body("steps.module", equalTo(List.of("xfs", "libcrc32c")))
                .body("steps.outlook", equalTo(List.of("ready", "ready")))
                .body("steps[1].dependency", equalTo(true));
        // Without removeDependencies, libcrc32c is blocked by its holder, force or not.
        given().post("/modules/libcrc32c/unload?dryRun=true").then().statusCode(200)
                .body("steps[0].outlook", equalTo("blocked")).body("steps[0].blockers[0]", equalTo("used by xfs"));
        // In use: the removal would wait, and the plan says what holds it.
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 1);
        given().post("/modules/loop/unload?dryRun=true").then().statusCode(200)
                .body("steps[0].outlook", equalTo("waits")).body("steps[0].refcnt", equalTo(1))
                .body("steps[0].blockers[0]", startsWith("refcnt 1, 0 explained"))
                .body("steps[0].usage.refcnt", equalTo(1));
        // The same validation as the real unload.
        given().post("/modules/dummy/unload?dryRun=true").then().statusCode(404).contentType("application/problem+json");
        given().post("/modules/loop/unload?dryRun=maybe").then().statusCode(400);
        given().post("/modules/loop/unload?dryRun=true&timeout=-1s").then().statusCode(400);
        assertThat(kernel.totalCalls()).isEqualTo(calls);
        assertThat(given().get("/jobs?limit=1000").then().extract().jsonPath().getList("id")).hasSize(jobs);
        assertThat(kernel.isLoaded("xfs")).isTrue();
    }

    @Test
    void notLoadedIs404SayingWhetherItExistsOnDisk() {
        given().get("/modules/xfs").then().statusCode(404).contentType("application/problem+json")
                .body("detail", containsString("exists in the module tree"));
        given().get("/modules/nosuch").then().statusCode(404)
                .body("detail", containsString("no module of that name exists"));
    }

    @Test
    void aModuleNotLoadedIsOneProblemTypeForEveryVerb() {
        String notLoaded = "urn:kmodd:problem:not-loaded";
        given().get("/modules/xfs").then().statusCode(404).body("type", equalTo(notLoaded)).body("module", equalTo("xfs"));
        given().get("/modules/xfs/usage").then().statusCode(404).body("type", equalTo(notLoaded));
        given().post("/modules/xfs/unload").then().statusCode(404).body("type", equalTo(notLoaded))
                .body("detail", containsString("xfs is not loaded"));
        given().post("/modules/xfs/unload?dryRun=true").then().statusCode(404).body("type", equalTo(notLoaded));
        given().post("/modules/xfs/reload").then().statusCode(404).body("type", equalTo(notLoaded));
        // Not being in the module tree at all is another fact, with its own type.
        given().post("/modules/nosuch/load").then().statusCode(404).body("type", equalTo("urn:kmodd:problem:not-found"));
    }

    @Test
    void badNamesAre400ProblemsAndNeverReachTheKernel() {
        for (String bad : List.of("x.y", "a%20b", "%C3%A9", "x".repeat(56), "a%00b")) {
            given().urlEncodingEnabled(false).post("/modules/" + bad + "/load").then().statusCode(400)
                    .contentType("application/problem+json").body("type", equalTo("urn:kmodd:problem:invalid-module-name"));
        }
        given().urlEncodingEnabled(false).post("/modules/..%2F..%2Fetc/load").then()
                .statusCode(org.hamcrest.Matchers.either(equalTo(400)).or(equalTo(404)))
                .contentType("application/problem+json");
        assertThat(kernel.loadedModules()).isEmpty();
    }

    @Test
    void loadAnswers202WithLocationAndTheJobEnds() {
        Response r = given().contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}")
                .post("/modules/loop/load");
        r.then().statusCode(202).header("Location", containsString("/jobs/")).body("module", equalTo("loop"));
        String id = r.path("id");
        given().get("/jobs/" + id + "/events").then().statusCode(200)
                .body(containsString("event:outcome"));
        given().get("/jobs/" + id).then().statusCode(200).body("state", equalTo("succeeded"))
                .body("params.max_loop", equalTo("4"));
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "4");
        given().post("/modules/loop/load").then().statusCode(200).body("alreadyLoaded", equalTo(true));
    }

    @Test
    void waitReturnsTheFinalJobOrItsProblem() {
        given().post("/modules/xfs/load?wait=10s").then().statusCode(200).body("state", equalTo("succeeded"));
        kernel.scriptFinit("loop", Errno.EINVAL);
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"x\"}}")
                .post("/modules/loop/load?wait=10s").then().statusCode(400)
                .contentType("application/problem+json").body("errno", equalTo("EINVAL"))
                .body("job", notNullValue());
    }

    @Test
    void badParametersAndDurationsAre400() {
        given().contentType("application/json").body("{\"params\":{\"a\":\"1\\nb=2\"}}").post("/modules/loop/load")
                .then().statusCode(400).body("parameter", equalTo("a"));
        given().contentType("application/json").body("{\"params\":").post("/modules/loop/load")
                .then().statusCode(400).contentType("application/problem+json");
        given().post("/modules/loop/load?wait=-5s").then().statusCode(400).body("detail", containsString("not a duration"));
        given().post("/modules/loop/unload?timeout=99999h").then().statusCode(400);
        given().post("/modules/loop/unload?force=maybe").then().statusCode(400);
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void unloadIsAsynchronousAndCancellable() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 1);
        Response r = given().post("/modules/loop/unload?timeout=30s");
        r.then().statusCode(202).header("Location", containsString("/jobs/"));
        String id = r.path("id");
        given().delete("/jobs/" + id).then().statusCode(200);
        given().get("/jobs/" + id + "/events").then().statusCode(200).body(containsString("cancelled"));
        given().get("/jobs/" + id).then().body("state", equalTo("cancelled"));
        given().delete("/jobs/" + id).then().statusCode(409).contentType("application/problem+json");
        assertThat(kernel.isLoaded("loop")).isTrue();
    }

    @Test
    void unloadStreamsWithAcceptEventStream() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        String body = given().accept("text/event-stream").post("/modules/loop/unload?timeout=5s")
                .then().statusCode(200).extract().asString();
        assertThat(body).contains("event:queued").contains("event:attempt").contains("event:outcome")
                .contains("removed loop");
        assertThat(kernel.isLoaded("loop")).isFalse();
    }

    @Test
    void aLoadWhoseParametersWouldNotApplyIs409WithBothSets() {
        kernel.loadedByOther("loop", java.util.Map.of("max_loop", "4"));
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"8\"}}").post("/modules/loop/load")
                .then().statusCode(409).contentType("application/problem+json")
                .body("type", equalTo("urn:kmodd:problem:parameter-conflict"))
                .body("parameters.requested.max_loop", equalTo("8")).body("parameters.live.max_loop", equalTo("4"))
                .body("parameters.differ", hasItem("max_loop"))
                .body("detail", containsString("reload it to apply parameters (POST /modules/loop/reload)"));
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}").post("/modules/loop/load")
                .then().statusCode(200).body("alreadyLoaded", equalTo(true));
        given().post("/modules/loop/load").then().statusCode(200).body("alreadyLoaded", equalTo(true));
        assertThat(kernel.totalCalls()).isZero();
    }

    @Test
    void reloadIsOneJobThatStreamsAndAppliesTheNewParameters() {
        kernel.loadedByOther("loop", java.util.Map.of("max_loop", "4"));
        String body = given().accept("text/event-stream").contentType("application/json")
                .body("{\"params\":{\"max_loop\":\"8\"}}").post("/modules/loop/reload?timeout=5s")
                .then().statusCode(200).extract().asString();
        assertThat(body).contains("event:attempt", "delete_module loop: OK", "finit_module loop: OK", "event:outcome",
                "reloaded loop with max_loop=8");
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "8");
        Response r = given().contentType("application/json").body("{\"params\":{\"max_loop\":\"2\"}}")
                .post("/modules/loop/reload?timeout=5s");
        r.then().statusCode(202).header("Location", containsString("/jobs/")).body("operation", equalTo("reload"))
                .body("params.max_loop", equalTo("2")).body("effectiveParams.max_loop", equalTo("2"));
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (!"succeeded".equals(given().get("/jobs/" + r.path("id")).then().extract().path("state"))) {
            assertThat(System.nanoTime()).as("the reload to end").isLessThan(deadline);
        }
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "2");
        given().post("/modules/xfs/reload").then().statusCode(404).contentType("application/problem+json");
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"1\\n\"}}").post("/modules/loop/reload")
                .then().statusCode(400).contentType("application/problem+json");
        given().post("/modules/loop/reload?timeout=forever").then().statusCode(400);
    }

    @Test
    void holdersAre409AndNotLoadedIs404OnUnload() {
        given().post("/modules/xfs/load?wait=5s").then().statusCode(200);
        given().post("/modules/libcrc32c/unload").then().statusCode(409)
                .body("type", equalTo("urn:kmodd:problem:in-use-by-holders")).body("detail", containsString("xfs"));
        given().post("/modules/loop/unload").then().statusCode(404);
    }

    @Test
    void writesOnAKernelWithoutModulesAre503AndReadinessSaysWhy() {
        kernel.setSupport(new KernelSupport(false, true, false, true,
                List.of("this kernel has no loadable module support")));
        given().post("/modules/loop/load").then().statusCode(503).body("detail", containsString("no loadable module"));
        given().get("/q/health/ready").then().statusCode(503).body(containsString("no loadable module support"));
        kernel.setSupport(new KernelSupport(true, false, false, true, List.of("kmodd lacks CAP_SYS_MODULE")));
        given().post("/modules/loop/load").then().statusCode(403);
        given().get("/modules").then().statusCode(200);
    }

    @Test
    void jobsFilterAndUnknownIds() {
        given().post("/modules/loop/load?wait=5s").then().statusCode(200);
        given().get("/jobs?module=loop&state=succeeded").then().statusCode(200).body("module", hasItem("loop"));
        given().get("/jobs?state=bogus").then().statusCode(400);
        given().get("/jobs/00000000-0000-0000-0000-000000000000").then().statusCode(404)
                .contentType("application/problem+json");
        given().get("/jobs/not-a-uuid").then().statusCode(400);
    }

    @Test
    void metricsCountKernelCallsAndMerges() {
        given().post("/modules/loop/load?wait=5s").then().statusCode(200);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("kmodd_kernel_calls_total\\{call=\"finit_module\",errno=\"OK\"[^}]*\\} [1-9]");
        assertThat(metrics).contains("kmodd_merged_requests_total");
        assertThat(metrics).containsPattern("kmodd_operations_total\\{[^}]*operation=\"load\"[^}]*outcome=\"succeeded\"");
    }

    @Test
    void moduleSeriesAreReadAtScrapeTimeAndVanishWithTheModule() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 3);
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(metrics).containsPattern("kmodd_module_refcount\\{module=\"loop\",?\\} 3.0");
        assertThat(metrics).containsPattern("kmodd_module_state\\{module=\"loop\",state=\"live\",?\\} 1.0");
        assertThat(metrics).containsPattern("kmodd_modules_loaded(\\{\\})? 1.0");
        kernel.removedByOther("loop");
        String after = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertThat(after).doesNotContain("module=\"loop\"");
    }

    @Test
    void aMisspelledQueryParameterIsA400NamingTheKnownOnesAndNeverReachesTheKernel() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        String unknown = "urn:kmodd:problem:unknown-query-parameter";
        given().post("/modules/loop/unload?timout=10s").then().statusCode(400).body("type", equalTo(unknown))
                .body("detail", equalTo("unknown query parameter 'timout'; this endpoint takes"
                        + " [dryRun, force, removeDependencies, timeout]"));
        given().accept("text/event-stream").post("/modules/loop/unload?timout=10s").then().statusCode(400);
        given().post("/modules/loop/reload?withHolder=true").then().statusCode(400)
                .body("detail", containsString("takes [ignoreBlacklist, timeout, withHolders]"));
        given().post("/modules/xfs/load?wiat=5s").then().statusCode(400)
                .body("detail", containsString("takes [ignoreBlacklist, wait]"));
        given().get("/modules/loop?verbose=1").then().statusCode(400).body("detail", containsString("takes none"));
        given().urlEncodingEnabled(false).post("/modules/xfs;junk/load").then().statusCode(400)
                .body("type", equalTo("urn:kmodd:problem:invalid-path"));
        assertThat(kernel.deleteCalls("loop")).isZero();
        assertThat(kernel.finitCalls("xfs")).isZero();
        assertThat(kernel.isLoaded("loop")).isTrue();
    }

    @Test
    void unknownPathsAndMethodsAreProblems() {
        given().get("/nope").then().statusCode(404).contentType("application/problem+json");
        given().put("/modules/loop/load").then().statusCode(405).contentType("application/problem+json");
    }
}
