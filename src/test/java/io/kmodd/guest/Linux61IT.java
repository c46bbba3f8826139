package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/** The scenario set on Debian 12's own kernel, 6.1, whose modules are uncompressed; kmodd started by hand. */
class Linux61IT extends KernelScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.1", Guest.Boot.CHROOT);
    }
}
