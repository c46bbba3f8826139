package io.kmodd.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Roles, 401/403 as problems, admin-only force, the module policy, with authentication on. */
@QuarkusTest
@TestProfile(AuthProfile.class)
class SecurityTest {
    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;

    @BeforeEach
    void reset() {
        kernel.reset();
        kernel.define("loop").define("evil_mod");
    }

    private static RequestSpecification as(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    @Test
    void withoutATokenWritesAndReadsAre401Problems() {
        given().post("/modules/loop/load").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("Bearer"));
        given().get("/modules").then().statusCode(401);
        given().get("/q/metrics").then().statusCode(401);
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void aWrongOrMalformedTokenIs401() {
        as("not-a-real-token-0123456789abcdef").post("/modules/loop/load").then().statusCode(401)
                .contentType("application/problem+json");
        given().header("Authorization", "Basic Ym9iOnNlY3JldA==").post("/modules/loop/load").then().statusCode(401);
        given().header("Authorization", "Bearer ").post("/modules/loop/load").then().statusCode(401);
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void viewerReadsButCannotWrite() {
        as(AuthProfile.VIEWER).get("/modules").then().statusCode(200);
        as(AuthProfile.VIEWER).get("/jobs").then().statusCode(200);
        as(AuthProfile.VIEWER).get("/q/metrics").then().statusCode(200);
        as(AuthProfile.VIEWER).post("/modules/loop/load").then().statusCode(403)
                .contentType("application/problem+json");
        assertThat(kernel.finitCalls("loop")).isZero();
        // Every write, in either variant, needs the operator: the roles are declared on the API's interface.
        kernel.loadedByOther("loop", ModuleState.LIVE);
        as(AuthProfile.VIEWER).get("/modules/loop").then().statusCode(200);
        as(AuthProfile.VIEWER).get("/modules/loop/usage").then().statusCode(200);
        as(AuthProfile.VIEWER).post("/modules/loop/unload").then().statusCode(403);
        as(AuthProfile.VIEWER).accept("text/event-stream").post("/modules/loop/unload").then().statusCode(403);
        as(AuthProfile.VIEWER).post("/modules/loop/reload").then().statusCode(403);
        as(AuthProfile.VIEWER).accept("text/event-stream").post("/modules/loop/reload").then().statusCode(403);
        given().get("/modules/loop/usage").then().statusCode(401);
        assertThat(kernel.deleteCalls("loop")).isZero();
    }

    @Test
    void operatorLoadsAndUnloadsButCannotForce() {
        as(AuthProfile.OPERATOR).post("/modules/loop/load?wait=5s").then().statusCode(200);
        kernel.setUsers("loop", 1);
        as(AuthProfile.OPERATOR).post("/modules/loop/unload?force=true").then().statusCode(403)
                .body("type", equalTo("urn:kmodd:problem:needs-admin"));
        assertThat(kernel.deleteCalls("loop")).isZero();
        as(AuthProfile.ADMIN).post("/modules/loop/unload?force=true&timeout=2s").then().statusCode(202);
    }

    @Test
    void policyDenialsAre403AndNeverReachTheKernel() {
        as(AuthProfile.ADMIN).post("/modules/evil_mod/load").then().statusCode(403)
                .body("type", equalTo("urn:kmodd:problem:policy-denied"));
        as(AuthProfile.ADMIN).post("/modules/evil-mod/load").then().statusCode(403);
        kernel.loadedByOther("evil_mod", ModuleState.LIVE);
        as(AuthProfile.ADMIN).post("/modules/evil_mod/unload").then().statusCode(403);
        assertThat(kernel.finitCalls("evil_mod")).isZero();
        assertThat(kernel.deleteCalls("evil_mod")).isZero();
    }

    @Test
    void healthAndTheApiContractStayOpen() {
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void tokenFilesThatOthersCanReadAreRefused() throws Exception {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("tokens", "");
        java.nio.file.Files.writeString(f, "x admin " + "a".repeat(32) + "\n");
        java.nio.file.Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenStore.load(f))
                .hasMessageContaining("chmod 600");
        java.nio.file.Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        assertThat(TokenStore.load(f).authenticate("a".repeat(32))).isPresent();
        assertThat(TokenStore.load(f).authenticate("a".repeat(31))).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> TokenStore.parse(java.util.List.of("x admin short"), "t"))
                .hasMessageContaining("shorter than");
    }

    @Test
    void everyWriteLeavesOneAuditRecordWithTheCallerButNeverTheToken() throws Exception {
        java.util.List<String> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger audit = java.util.logging.Logger.getLogger("kmodd.audit");
        audit.addHandler(h);
        try {
            as(AuthProfile.OPERATOR).contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}")
                    .post("/modules/loop/load?wait=5s").then().statusCode(200);
            given().post("/modules/loop/unload").then().statusCode(401);
            as(AuthProfile.ADMIN).accept("text/event-stream").post("/modules/loop/unload?timeout=2s").then()
                    .statusCode(200);
            as(AuthProfile.OPERATOR).get("/modules").then().statusCode(200);
        } finally {
            audit.removeHandler(h);
        }
        assertThat(records).hasSize(3);
        assertThat(records.get(0)).contains("\"who\":\"bob\"").contains("\"module\":\"loop\"")
                .contains("\"max_loop\":\"4\"").contains("\"status\":200").contains("\"job\":");
        assertThat(records.get(1)).contains("\"who\":\"anonymous\"").contains("\"status\":401");
        assertThat(records.get(2)).contains("\"who\":\"carol\"").contains("unload").contains("\"job\":");
        assertThat(String.join("\n", records)).doesNotContain(AuthProfile.OPERATOR).doesNotContain(AuthProfile.ADMIN);
    }
}
