package io.kmodd.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /jobs answers a bounded page with a next link; an id from before the retention is 410, not 404. */
@QuarkusTest
@TestProfile(JobsApiTest.SmallRetention.class)
class JobsApiTest {
    /** Keeps two finished jobs, so that a few jobs move the retention horizon. */
    public static class SmallRetention implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kmodd.jobs.retain-finished", "2");
        }
    }

    private static void awaitFinished(String id) {
        for (int i = 0; i < 500; i++) {
            String state = given().get("/jobs/" + id).then().extract().path("state");
            if (List.of("succeeded", "failed", "cancelled").contains(state)) {
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new AssertionError("job " + id + " did not finish");
    }

    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;

    @BeforeEach
    void reset() {
        kernel.reset();
        kernel.define("loop");
    }

    @Test
    void jobsAreListedAPageAtATimeWithANextLink() {
        for (int i = 0; i < 7; i++) {
            kernel.define("m" + i);
            kernel.loadedByOther("m" + i, ModuleState.LIVE);
            kernel.setUsers("m" + i, 1);
            given().post("/modules/m" + i + "/unload?timeout=1h").then().statusCode(202);
        }
        Set<String> seen = new HashSet<>();
        String next = "/jobs?state=waiting&limit=3";
        int pages = 0;
        while (next != null && pages < 10) {
            Response r = given().urlEncodingEnabled(false).get(next);
            r.then().statusCode(200);
            List<String> ids = r.jsonPath().getList("id");
            assertThat(ids.size()).isLessThanOrEqualTo(3);
            assertThat(r.jsonPath().getList("events")).containsOnlyNulls();
            seen.addAll(ids);
            String link = r.header("Link");
            next = link == null ? null : link.substring(1, link.indexOf('>'));
            if (link != null) {
                assertThat(link).endsWith("; rel=\"next\"").contains("state=waiting");
            }
            pages++;
        }
        assertThat(seen).hasSize(7);
        assertThat(pages).isEqualTo(3);
        seen.forEach(id -> given().delete("/jobs/" + id).then().statusCode(200));
    }

    @Test
    void aMisspelledQueryParameterIsA400NamingTheListingsOwn() {
        given().get("/jobs?limt=5").then().statusCode(400)
                .body("type", equalTo("urn:kmodd:problem:unknown-query-parameter"))
                .body("detail", equalTo("unknown query parameter 'limt'; this endpoint takes [after, limit, module, state]"));
        given().get("/jobs?module=loop&state=queued&limit=5").then().statusCode(200);
    }

    @Test
    void badPagingIsA400() {
        for (String q : List.of("limit=0", "limit=1001", "limit=ten", "after=nope",
                "after=" + UUID.randomUUID())) {
            given().get("/jobs?" + q).then().statusCode(400).contentType("application/problem+json");
        }
    }

    @Test
    void anIdFromBeforeTheRetentionIsGoneAndAnUnknownOneIsNotFound() {
        // A version 7 id made in 2020: long before anything this daemon keeps, as soon as it has dropped one.
        String ancient = "01700000-0000-7000-8000-000000000000";
        for (int i = 0; i < 3; i++) {
            kernel.loadedByOther("loop", ModuleState.LIVE);
            String id = given().post("/modules/loop/unload?timeout=0").then().statusCode(202).extract().path("id");
            awaitFinished(id);
        }
        List<String> codes = new ArrayList<>();
        for (String path : List.of("/jobs/" + ancient, "/jobs/" + ancient + "/events")) {
            codes.add(Integer.toString(given().get(path).statusCode()));
        }
        // The test profile keeps few finished jobs (kmodd.jobs.retain-finished), so the horizon has moved.
        given().get("/jobs/" + ancient).then().statusCode(410).contentType("application/problem+json")
                .body("type", equalTo("urn:kmodd:problem:gone")).body("detail", containsString("no longer kept"));
        given().delete("/jobs/" + ancient).then().statusCode(410);
        given().get("/jobs/" + UUID.randomUUID()).then().statusCode(404);
        assertThat(codes).containsOnly("410");
    }
}
