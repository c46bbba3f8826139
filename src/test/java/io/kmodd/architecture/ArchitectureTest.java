package io.kmodd.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The package graph: no cycles, and no import going up. Packages are ranked bottom-up, and a package may
 * use only packages of a lower rank (or of its own): the kernel port and text helpers at the bottom, the
 * lanes above the policy, everything HTTP at the top, and the wiring above all.
 */
class ArchitectureTest {
    /** Bottom-up; each row may depend on the rows above it in this list, never below. */
    private static final List<List<String>> RANKS = List.of(
            List.of("text", "kernel", "config"),
            List.of("policy", "persistence", "usage", "params"),
            List.of("jobs"),
            List.of("journal", "metrics", "systemd"),
            List.of("security", "http"),
            List.of("health"),
            List.of("api"),
            List.of("wiring"),
            List.of("cli"));

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.kmodd");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("io.kmodd.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void noImportGoesUp() {
        for (int rank = 0; rank < RANKS.size(); rank++) {
            String[] higher = RANKS.subList(rank + 1, RANKS.size()).stream().flatMap(List::stream)
                    .map(p -> "io.kmodd." + p + "..").toArray(String[]::new);
            if (higher.length == 0) {
                continue;
            }
            for (String p : RANKS.get(rank)) {
                noClasses().that().resideInAPackage("io.kmodd." + p + "..")
                        .should().dependOnClassesThat().resideInAnyPackage(higher)
                        .because(p + " sits below them in the layering")
                        .check(MAIN);
            }
        }
    }

    @Test
    void everyPackageIsRanked() {
        List<String> ranked = RANKS.stream().flatMap(List::stream).toList();
        noClasses().should().resideOutsideOfPackages(ranked.stream().map(p -> "io.kmodd." + p + "..")
                .toArray(String[]::new)).check(MAIN);
    }

    @Test
    void thePortKnowsNothingOfItsLinuxImplementation() {
        noClasses().that().resideInAPackage("io.kmodd.kernel")
                .should().dependOnClassesThat().resideInAPackage("io.kmodd.kernel.linux..").check(MAIN);
    }

    @Test
    void jnaStaysInTheNativeLayers() {
        noClasses().that().resideOutsideOfPackages("io.kmodd.kernel.linux..", "io.kmodd.systemd..")
                .should().dependOnClassesThat().resideInAPackage("com.sun.jna..").check(MAIN);
    }

    @Test
    void theCommandLineClientKnowsKmoddOnlyThroughItsHttpApi() {
        noClasses().that().resideInAPackage("io.kmodd.cli..")
                .should().dependOnClassesThat().resideInAnyPackage(RANKS.stream().flatMap(List::stream)
                        .filter(p -> !p.equals("cli")).map(p -> "io.kmodd." + p + "..").toArray(String[]::new))
                .because("kmoddctl is shipped alone (kmoddctl.jar) and talks to kmodd over REST")
                .check(MAIN);
        noClasses().that().resideOutsideOfPackage("io.kmodd.cli..")
                .should().dependOnClassesThat().resideInAPackage("picocli..").check(MAIN);
    }
}
