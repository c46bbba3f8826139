package io.kmodd.api;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** PUT, GET and DELETE of persistence, and the drop-ins they leave (paths from %test config). */
@QuarkusTest
class PersistenceApiTest {
    static final Path LOAD = Path.of("target/test-persistence/modules-load.d/kmodd.conf");
    static final Path OPTS = Path.of("target/test-persistence/modprobe.d/kmodd.conf");

    @Test
    void persistsReadsBackAndForgets() throws Exception {
        given().contentType("application/json").body("{\"load\": true, \"params\": {\"max_loop\": \"8\"}}")
                .put("/modules/loop/persistence").then().statusCode(200).body("module", equalTo("loop"))
                .body("load", equalTo(true)).body("params.max_loop", equalTo("8"));
        assertThat(Files.readAllLines(LOAD)).contains("loop");
        assertThat(Files.readAllLines(OPTS)).contains("options loop max_loop=8");
        Files.writeString(OPTS, Files.readString(OPTS) + "options dummy numdummies=3\n");
        given().get("/persistence").then().statusCode(200).body("module", hasItem("dummy"))
                .body("find { it.module == 'dummy' }.params.numdummies", equalTo("3"));
        given().delete("/modules/loop/persistence").then().statusCode(204);
        given().delete("/modules/loop/persistence").then().statusCode(404).contentType("application/problem+json");
        assertThat(Files.readAllLines(LOAD)).doesNotContain("loop");
        assertThat(Files.readAllLines(OPTS)).contains("options dummy numdummies=3").doesNotContain("options loop max_loop=8");
        given().delete("/modules/dummy/persistence").then().statusCode(204);
    }

    @Test
    void persistedParametersThatDifferFromTheLiveOnesShowAsDrift() {
        io.kmodd.testing.SimulatedKernel kernel = io.kmodd.testing.SimulatedKernelProducer.KERNEL;
        kernel.reset();
        kernel.loadedByOther("loop", java.util.Map.of("max_loop", "4", "max_part", "0"));
        given().contentType("application/json").body("{\"load\": true, \"params\": {\"max_loop\": \"8\", \"max_part\": \"0\"}}")
                .put("/modules/loop/persistence").then().statusCode(200);
        given().contentType("application/json").body("{\"load\": true}").put("/modules/dummy/persistence").then().statusCode(200);
        given().get("/persistence").then().statusCode(200)
                .body("find { it.module == 'loop' }.loaded", equalTo(true))
                .body("find { it.module == 'loop' }.drift.size()", equalTo(1))
                .body("find { it.module == 'loop' }.drift[0].parameter", equalTo("max_loop"))
                .body("find { it.module == 'loop' }.drift[0].persisted", equalTo("8"))
                .body("find { it.module == 'loop' }.drift[0].live", equalTo("4"))
                .body("find { it.module == 'dummy' }.loaded", equalTo(false))
                .body("find { it.module == 'dummy' }.drift.size()", equalTo(0));
        given().delete("/modules/loop/persistence").then().statusCode(204);
        given().delete("/modules/dummy/persistence").then().statusCode(204);
        kernel.reset();
    }

    @Test
    void badBodiesNamesAndParametersAre400() {
        for (String body : new String[] {"", "{}", "{\"load\": \"yes\"}", "{\"load\": true, \"extra\": 1}",
                "{\"load\": true, \"params\": {\"a\": \"x\\ny=1\"}}", "{\"load\": true} trailing", "[true]"}) {
            given().contentType("application/json").body(body).put("/modules/loop/persistence").then().statusCode(400)
                    .contentType("application/problem+json");
        }
        given().contentType("application/json").body("{\"load\": true}").put("/modules/..%2Fx/persistence").then()
                .statusCode(org.hamcrest.Matchers.oneOf(400, 404));
    }
}
