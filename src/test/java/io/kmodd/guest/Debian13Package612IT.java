package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/**
 * The installed package under systemd on a Debian 13 host (its systemd 257, OpenJDK 21 as the default
 * JDK and OpenJDK 25 beside it, which Debian's alternatives make /usr/bin/java, libkmod 34) and its own 6.12 kernel, every module .ko.xz. Its tokens file is
 * in place before the install, as an administrator or a configuration tool puts it (Debian 12's target takes
 * the postinst's), and so is /etc/default/kmodd, which keeps kmodd on OpenJDK 21 with its class-data-sharing
 * archive; {@link Debian13Package7IT} runs it on 25, as the package picks.
 */
class Debian13Package612IT extends PackageLifecycleScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("6.12", Guest.Boot.SYSTEMD, Guest.Userland.DEBIAN13, InstalledPackage.Tokens.IN_PLACE_BEFORE_THE_INSTALL,
                InstalledPackage.Jdk.OPENJDK_21_BY_NAME);
    }
}
