package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/**
 * The installed package under systemd on a Debian 13 host (its systemd 257, OpenJDK 21 as the default
 * JDK, libkmod 34) and its own 6.12 kernel, every module .ko.xz. Its tokens file is in place before the
 * install, as an administrator or a configuration tool puts it (Debian 12's target takes the postinst's).
 */
class Debian13Package612IT extends PackageLifecycleScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.12", Guest.Boot.SYSTEMD, Guest.Userland.DEBIAN13, InstalledPackage.Tokens.IN_PLACE_BEFORE_THE_INSTALL);
    }
}
