package io.kmodd.guest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The scenario set on Debian 12's own kernel, 6.1, whose modules are uncompressed. */
class Linux61IT extends KernelScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.1");
    }

    @Test
    @Order(16)
    void thisTargetRunsSixOne() throws Exception {
        assertThat(inGuest("uname -r")).startsWith("6.1.");
    }
}
