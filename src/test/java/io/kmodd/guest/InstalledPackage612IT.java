package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/** The installed package under systemd on Debian 12's 6.12 kernel, every module .ko.xz. */
class InstalledPackage612IT extends InstalledPackageScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.12", Guest.Boot.SYSTEMD);
    }
}
