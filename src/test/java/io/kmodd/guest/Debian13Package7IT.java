package io.kmodd.guest;

import org.junit.jupiter.api.BeforeAll;

/**
 * The installed package under systemd on a Debian 13 host with the newest kernel of trixie-backports
 * (7.x: the split linux-base/binary/modules packages, the image inside the module tree, modules.dep made
 * by depmod on install). The package's life after its install is the userland's, proven on Debian 13's own
 * kernel by {@link Debian13Package612IT}; here the kernel is what is new. Its tokens file is in place before
 * the install. OpenJDK 25 is installed beside the default 21, so the package runs kmodd on 25 with its
 * ahead-of-time cache.
 */
class Debian13Package7IT extends InstalledPackageScenarios {
    @BeforeAll
    static void boot() throws Exception {
        bootOn("7", Guest.Boot.SYSTEMD, Guest.Userland.DEBIAN13, InstalledPackage.Tokens.IN_PLACE_BEFORE_THE_INSTALL);
    }
}
