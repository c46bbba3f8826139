package io.kmodd.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The scenario set on Debian 12's 6.12 kernel: every module is .ko.xz, which kmodd hands to finit_module
 * with MODULE_INIT_COMPRESSED_FILE (the kernel decompresses xz itself, /sys/module/compression), and the
 * kernel merges concurrent finit_module calls on one file (6.5+) and answers EBUSY to a load racing a
 * module coming or going (6.2+).
 */
class Linux612IT extends KernelScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.12");
    }

    /** The target is what it claims: the modules every scenario loaded were compressed files. */
    @Test
    @Order(16)
    void everyModuleThisTargetLoadedWasCompressed() throws Exception {
        for (String m : List.of("xfs", "libcrc32c", "loop", "dummy")) {
            assertThat(inGuest("modinfo -n " + m)).as(m).endsWith(".ko.xz");
        }
        assertThat(inGuest("uname -r")).startsWith("6.12.");
        assertThat(inGuest("cat /sys/module/compression")).isEqualTo("xz");
    }
}
