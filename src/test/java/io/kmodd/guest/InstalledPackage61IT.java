package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/** The installed package under systemd on Debian 12's own kernel, 6.1. */
class InstalledPackage61IT extends PackageLifecycleScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.1", Guest.Boot.SYSTEMD);
    }
}
