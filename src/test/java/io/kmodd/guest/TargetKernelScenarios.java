package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.series;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The target itself: kmodd ready on its real kernel, its module list the kernel's own, and the kernel the
 * one the target names.
 */
interface TargetKernelScenarios {
    @Test
    @Order(10)
    default void readyOnARealKernel() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
    }

    @Test
    @Order(30)
    default void listMatchesProcModules() throws Exception {
        List<String> listed = given().get("/modules").then().statusCode(200).extract().jsonPath().getList("name");
        assertThat(new HashSet<>(listed)).isEqualTo(procModules());
        String refcnt = guest().run("cat /sys/module/9pnet/refcnt");
        given().get("/modules/9pnet").then().statusCode(200).body("refcnt", equalTo(Integer.parseInt(refcnt)))
                .body("holders", org.hamcrest.Matchers.hasItem("9p"));
    }

    /**
     * The target is what it claims: the kernel series it names, and on 6.12 and 7.x every module this suite
     * loaded was a compressed file the kernel decompresses itself.
     */
    @Test
    @Order(190)
    default void theTargetRunsTheKernelItNames() throws Exception {
        assertThat(guest().run("uname -r")).startsWith(series() + ".");
        if (!series().equals("6.1")) {
            for (String m : List.of("tcp_yeah", "tcp_vegas", "loop", "dummy")) {
                assertThat(guest().run("modinfo -n " + m)).as(m).endsWith(".ko.xz");
            }
            assertThat(guest().run("cat /sys/module/compression")).isEqualTo("xz");
        }
    }
}
