package io.kmodd.guest;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real-kernel scenario set, shared by every guest target: the packaged daemon runs inside a QEMU
 * guest and every assertion is checked against the kernel's own view (/proc/modules, /sys/module) read
 * inside the guest. Each target (a subclass) names its kernel and boots its guest once. The scenarios run
 * in the order of their numbers, in tens, so that a target's own scenarios (the installed package's) slot in
 * between at a number of their own: no two scenarios share one.
 *
 * <p>The scenarios live in one interface per topic, as default methods, numbered across all of them; what
 * they share of the guest is {@link GuestSession}. A scenario sets up what it needs itself rather than
 * relying on what an earlier one left, so that one failure does not fail the scenarios after it; the two that
 * read back what earlier ones did (the merged-loads counter, the audit records) say so.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class KernelScenarios implements TargetKernelScenarios, AccessAndAuditScenarios, LoadingScenarios,
        RemovalScenarios, OutsideRaceScenarios, ObservabilityScenarios, EnduranceScenarios, PersistenceScenarios,
        ParametersAndReloadScenarios, AnsibleScenarios {
    /**
     * Boots the target's guest on the kernel series it names, with kmodd started by hand in a chroot or
     * installed as a package under systemd; called once by each target.
     */
    static void bootOn(String kernelSeries, Guest.Boot boot) throws Exception {
        bootOn(kernelSeries, boot, Guest.Userland.DEBIAN12);
    }

    /** As {@link #bootOn(String, Guest.Boot)}, on the root filesystem of {@code userland}. */
    static void bootOn(String kernelSeries, Guest.Boot boot, Guest.Userland userland) throws Exception {
        bootOn(kernelSeries, boot, userland, InstalledPackage.Tokens.MADE_BY_THE_POSTINST);
    }

    /** As {@link #bootOn(String, Guest.Boot, Guest.Userland)}; an installed package's tokens as {@code tokens} says. */
    static void bootOn(String kernelSeries, Guest.Boot boot, Guest.Userland userland, InstalledPackage.Tokens tokens)
            throws Exception {
        bootOn(kernelSeries, boot, userland, tokens, InstalledPackage.Jdk.AS_THE_PACKAGE_PICKS);
    }

    /** As {@link #bootOn(String, Guest.Boot, Guest.Userland, InstalledPackage.Tokens)}; its JDK as {@code jdk} says. */
    static void bootOn(String kernelSeries, Guest.Boot boot, Guest.Userland userland, InstalledPackage.Tokens tokens,
            InstalledPackage.Jdk jdk) throws Exception {
        GuestSession.boot(kernelSeries, boot, userland, tokens, jdk);
    }

    @BeforeEach
    void countFromHere() {
        ScenarioCost.reset();
    }

    /** Where the scenario's time went (see {@link ScenarioCost}). */
    @AfterEach
    void printWhereTheTimeWent(TestInfo test) {
        System.out.println(ScenarioCost.summary(test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("?")));
    }

    /** Shuts the target's guest down once its scenarios have run; see {@link GuestSession#shutdown()}. */
    @AfterAll
    static void shutdown() throws Exception {
        GuestSession.shutdown();
    }
}
