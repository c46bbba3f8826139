package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.as;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.guest;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.RestAssured;
import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The installed package under a real systemd: the shared scenarios run against the service the package
 * started, and around them what every installation is checked for: the install itself and what the live
 * unit promises. The package's life after that ({@link PackageLifecycleScenarios}) is a userland's matter,
 * run once, on the current stable.
 */
abstract class InstalledPackageScenarios extends KernelScenarios {
    static String sh(String script) throws Exception {
        return guest().run(script);
    }

    /** A request with a role's token, as the guest holds it. */
    static io.restassured.specification.RequestSpecification with(String role) throws Exception {
        return as("Bearer " + deployment().token(role));
    }

    /** systemd-analyze security's overall exposure for the live kmodd.service. */
    static double exposure() throws Exception {
        String security = sh("systemd-analyze security kmodd --no-pager 2>&1 | tail -n 1");
        Matcher m = Pattern.compile("Overall exposure level for kmodd\\.service: ([0-9.]+)").matcher(security);
        assertThat(m.find()).as(security).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Order(0)
    void theReadmesInstallCommandInstallsAndStartsTheService() throws Exception {
        InstalledPackage installed = (InstalledPackage) deployment();
        Guest.Result apt = installed.installation();
        assertThat(apt.rc()).as(apt.output()).isZero();
        if (installed.tokens() == InstalledPackage.Tokens.MADE_BY_THE_POSTINST) {
            assertThat(apt.output()).contains("kmodd: made /etc/kmodd/tokens with an admin token");
        } else {
            // The administrator's file is kept byte for byte, and the service started with it.
            assertThat(apt.output()).doesNotContain("made /etc/kmodd/tokens");
            assertThat(sh("sha256sum -c --quiet /root/tokens.sum && echo kept")).isEqualTo("kept");
        }
        // The unit that runs is the package's own, byte for byte the one in this repository.
        assertThat(sh("cmp /lib/systemd/system/kmodd.service " + Guest.project().resolve("systemd/kmodd.service")
                + " && echo same")).isEqualTo("same");
        assertThat(sh("stat -c '%a %U' " + InstalledPackage.TOKENS)).isEqualTo("600 root");
        assertThat(sh("systemctl is-enabled kmodd; systemctl is-active kmodd")).isEqualTo("enabled\nactive");
        // The drop-in links the package made into kmodd's state directory do not dangle once it has started:
        // modprobe (libkmod) would print an error on every call.
        assertThat(sh("modprobe -n -q loop 2>&1; true")).doesNotContain("ERROR");
        assertThat(sh("readlink -e /etc/modprobe.d/kmodd.conf /etc/modules-load.d/kmodd.conf | wc -l")).isEqualTo("2");
        // The JDK kmodd runs on is the one the package's launcher picks: the one named in /etc/default/kmodd, else
        // OpenJDK 25 where it is installed (Debian 13 here), else /usr/bin/java; and the service maps the start-up
        // archive the postinst made for it (an AOT cache on 25, a class-data-sharing archive before), unwarned.
        String[] which = sh("/usr/lib/kmodd/kmodd-java --which").split(" ");
        assertThat(which).as("kmodd-java --which").hasSize(3);
        String mainPid = deployment().pid();
        assertThat(sh("readlink -f /proc/" + mainPid + "/exe")).isEqualTo(sh("readlink -f " + which[0]));
        if (installed.jdk().named != null) {
            assertThat(which[0]).isEqualTo(installed.jdk().named);
        } else if (sh("test -x /usr/lib/jvm/java-25-openjdk-amd64/bin/java && echo yes || echo no").equals("yes")) {
            assertThat(which[1]).as("the JDK picked where OpenJDK 25 is installed").isEqualTo("25");
        }
        assertThat(which[2]).isEqualTo(Integer.parseInt(which[1]) >= 25 ? "/var/cache/kmodd/app.aot" : "/var/cache/kmodd/app-cds.jsa");
        assertThat(sh("grep -c " + which[2] + " /proc/" + mainPid + "/maps || true")).as("the service maps " + which[2])
                .isNotEqualTo("0");
        assertThat(sh("journalctl -u kmodd --no-pager -o cat | grep -c -e '\\[aot' -e 'shared archive' || true")).isEqualTo("0");
        System.out.println("kmodd runs on " + sh(which[0] + " -version 2>&1 | head -n 1") + " (" + which[0] + ") with "
                + which[2] + " (" + sh("du -h " + which[2] + " | cut -f1") + ")");
        // How long the start took under emulation, against the unit's TimeoutStartSec (for the record).
        System.out.println("kmodd under systemd on " + sh("uname -r") + ": active "
                + sh("systemctl show -p ExecMainStartTimestampMonotonic -p ActiveEnterTimestampMonotonic --value kmodd"
                        + " | tr '\\n' ' ' | awk '{printf \"%.1f\", ($2 - $1) / 1e6}'") + " s after its process started");
        // The README's way to the token works, and the token made by the package is an admin's.
        String admin = sh("awk '$2==\"admin\"{print $3}' " + InstalledPackage.TOKENS);
        assertThat(admin).hasSizeGreaterThanOrEqualTo(24);
        as("Bearer " + admin).get("/modules").then().statusCode(200);
        RestAssured.given().get("/modules").then().statusCode(401).contentType("application/problem+json");
    }

    /** What the unit promises, checked on the live service rather than in the file. */
    @Test
    @Order(245) // after the two followers (240), before Ansible (250)
    void theLiveUnitKeepsWhatItPromises() throws Exception {
        assertThat(sh("systemctl is-active kmodd")).isEqualTo("active");
        assertThat(sh("systemctl show -p StatusText --value kmodd")).startsWith("ready; ").contains("modules loaded");
        // Watchdog pings arrive (WatchdogSec=60s: kmodd's first ping comes 30 s after READY=1, then every 30 s,
        // each after a self-check). systemd stamps READY=1 and every ping: a stamp 25 s or more after the
        // service became active is a ping. A service up longer than that has one already; else this waits.
        String pinged = sh("a=$(systemctl show -p ActiveEnterTimestampMonotonic --value kmodd); for i in $(seq 1 750); do"
                + " w=$(systemctl show -p WatchdogTimestampMonotonic --value kmodd); [ $(( w - a )) -ge 25000000 ] &&"
                + " { echo \"pinged $(( (w - a) / 1000000 )) s after ready\"; exit 0; }; sleep 0.1; done;"
                + " echo \"no ping: the watchdog stamp is $(( (w - a) / 1000000 )) s after ready\"");
        assertThat(pinged).as("the watchdog, 750 looks 0.1 s apart").startsWith("pinged");
        System.out.println("systemd watchdog: " + pinged);
        // The exposure systemd itself computes for the running service.
        assertThat(exposure()).isLessThanOrEqualTo(2.0);
        // The bounds the unit file sets are the ones in force.
        Map<String, String> unit = Files.readAllLines(Guest.project().resolve("systemd/kmodd.service")).stream()
                .filter(l -> l.matches("(TasksMax|MemoryMax|MemoryHigh)=.*"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
        assertThat(unit).containsOnlyKeys("TasksMax", "MemoryMax", "MemoryHigh");
        assertThat(sh("systemctl show -p TasksMax --value kmodd")).isEqualTo(unit.get("TasksMax"));
        assertThat(Long.parseLong(sh("systemctl show -p MemoryMax --value kmodd"))).isEqualTo(bytes(unit.get("MemoryMax")));
        assertThat(Long.parseLong(sh("systemctl show -p MemoryHigh --value kmodd"))).isEqualTo(bytes(unit.get("MemoryHigh")));
        // A dynamic, non-root user holding CAP_SYS_MODULE (bit 16) and nothing else, no new privileges, seccomp on.
        String status = sh("cat /proc/" + deployment().pid() + "/status");
        assertThat(field(status, "Uid").split("\\s+")[0]).isNotEqualTo("0");
        assertThat(field(status, "CapEff")).isEqualTo("0000000000010000");
        assertThat(field(status, "CapBnd")).isEqualTo("0000000000010000");
        assertThat(field(status, "NoNewPrivs")).isEqualTo("1");
        assertThat(field(status, "Seccomp")).isEqualTo("2");
        // The tasks in the unit's cgroup stay within the bound (threads at rest, after the whole scenario set).
        assertThat(Integer.parseInt(sh("systemctl show -p TasksCurrent --value kmodd"))).isLessThan(
                Integer.parseInt(unit.get("TasksMax")));
    }

    private static long bytes(String systemdSize) {
        long n = Long.parseLong(systemdSize.replaceAll("[KMG]$", ""));
        return switch (systemdSize.charAt(systemdSize.length() - 1)) {
            case 'K' -> n << 10;
            case 'M' -> n << 20;
            case 'G' -> n << 30;
            default -> n;
        };
    }

    private static String field(String procStatus, String name) {
        return procStatus.lines().filter(l -> l.startsWith(name + ":")).findFirst()
                .map(l -> l.substring(name.length() + 1).strip()).orElseThrow(() -> new AssertionError("no " + name));
    }

}
