package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** What kmodd persists comes back at boot without it. */
interface PersistenceScenarios {
    @Test
    @Order(170)
    default void persistedModulesComeBackAtBootWithoutKmodd() throws Exception {
        given().contentType("application/json").body("{\"load\": true, \"params\": {\"max_loop\": \"8\"}}")
                .put("/modules/loop/persistence").then().statusCode(200);
        assertThat(guest().run("cat " + deployment().modulesLoadFile())).contains("loop");
        guest().run("rmmod loop 2>/dev/null; true");
        assertThat(loaded("loop")).isFalse();
        // What a boot does, without kmodd: systemd-modules-load reads the modules-load.d drop-in, and libkmod
        // applies the options of the modprobe.d drop-in.
        Guest.Result boot = deployment().replayBoot();
        assertThat(boot.rc()).as(boot.output()).isZero();
        assertThat(loaded("loop")).isTrue();
        assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("8");
        given().delete("/modules/loop/persistence").then().statusCode(204);
        assertThat(guest().run("cat " + deployment().modulesLoadFile())).doesNotContain("loop");
    }
}
