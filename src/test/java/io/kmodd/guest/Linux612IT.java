package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/**
 * The scenario set on Debian 12's 6.12 kernel, kmodd started by hand: every module is .ko.xz, which kmodd
 * hands to finit_module with MODULE_INIT_COMPRESSED_FILE (the kernel decompresses xz itself,
 * /sys/module/compression), and the kernel merges concurrent finit_module calls on one file (6.5+) and
 * answers EBUSY to a load racing a module coming or going (6.2+).
 */
class Linux612IT extends KernelScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.12", Guest.Boot.CHROOT);
    }
}
