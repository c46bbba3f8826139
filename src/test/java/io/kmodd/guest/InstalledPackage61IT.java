package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/**
 * The installed package under systemd on Debian 12 (oldstable: its systemd 252, OpenJDK 17, libkmod 30) and
 * its own kernel, 6.1: the install and the live unit on the oldest userland the package supports. The
 * package's life after its install runs on the current stable, {@link Debian13Package612IT}.
 */
class InstalledPackage61IT extends InstalledPackageScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.1", Guest.Boot.SYSTEMD);
    }
}
