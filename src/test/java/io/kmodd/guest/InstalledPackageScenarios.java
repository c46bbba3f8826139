package io.kmodd.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The installed package under a real systemd: the shared scenarios run against the service the package
 * started, and around them what only an installation has: the install itself, what the live unit promises,
 * an upgrade over the running service, and a purge that leaves nothing behind. Each kernel is a subclass.
 */
abstract class InstalledPackageScenarios extends KernelScenarios {
    private static Guest guest() {
        return deployment().guest();
    }

    private static String sh(String script) throws Exception {
        return guest().run(script);
    }

    /** A request with a role's token, as the guest holds it. */
    private static io.restassured.specification.RequestSpecification with(String role) throws Exception {
        return as("Bearer " + deployment().token(role));
    }

    /** systemd-analyze security's overall exposure for the live kmodd.service. */
    private static double exposure() throws Exception {
        String security = sh("systemd-analyze security kmodd --no-pager 2>&1 | tail -n 1");
        Matcher m = Pattern.compile("Overall exposure level for kmodd\\.service: ([0-9.]+)").matcher(security);
        assertThat(m.find()).as(security).isTrue();
        return Double.parseDouble(m.group(1));
    }

    @Test
    @Order(0)
    void theReadmesInstallCommandInstallsAndStartsTheService() throws Exception {
        Guest.Result apt = ((InstalledPackage) deployment()).installation();
        assertThat(apt.rc()).as(apt.output()).isZero();
        assertThat(apt.output()).contains("kmodd: made /etc/kmodd/tokens with an admin token");
        // The unit that runs is the package's own, byte for byte the one in this repository.
        assertThat(sh("cmp /lib/systemd/system/kmodd.service " + Guest.project().resolve("systemd/kmodd.service")
                + " && echo same")).isEqualTo("same");
        assertThat(sh("stat -c '%a %U' " + InstalledPackage.TOKENS)).isEqualTo("600 root");
        assertThat(sh("systemctl is-enabled kmodd; systemctl is-active kmodd")).isEqualTo("enabled\nactive");
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
    @Order(20)
    void theLiveUnitKeepsWhatItPromises() throws Exception {
        assertThat(sh("systemctl is-active kmodd")).isEqualTo("active");
        assertThat(sh("systemctl show -p StatusText --value kmodd")).startsWith("ready; ").contains("modules loaded");
        // Watchdog pings arrive (WatchdogSec=60s: kmodd pings every 30 s after a self-check).
        String first = sh("systemctl show -p WatchdogTimestampMonotonic --value kmodd");
        String moved = sh("for i in $(seq 1 450); do t=$(systemctl show -p WatchdogTimestampMonotonic --value kmodd);"
                + " [ \"$t\" != \"" + first + "\" ] && { echo moved; exit 0; }; sleep 0.1; done; echo still");
        assertThat(moved).as("WatchdogTimestamp after 45 s").isEqualTo("moved");
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
        String status = sh("cat /proc/$(systemctl show -p MainPID --value kmodd)/status");
        assertThat(field(status, "Uid").split("\\s+")[0]).isNotEqualTo("0");
        assertThat(field(status, "CapEff")).isEqualTo("0000000000010000");
        assertThat(field(status, "CapBnd")).isEqualTo("0000000000010000");
        assertThat(field(status, "NoNewPrivs")).isEqualTo("1");
        assertThat(field(status, "Seccomp")).isEqualTo("2");
        // The tasks in the unit's cgroup stay within the bound (threads at rest, after the whole scenario set).
        assertThat(Integer.parseInt(sh("systemctl show -p TasksCurrent --value kmodd"))).isLessThan(
                Integer.parseInt(unit.get("TasksMax")));
    }

    /**
     * The package's opt-in drop-in (CAP_SYS_PTRACE) lets the service name the process holding a module,
     * which the plain unit cannot see; the exposure it costs is measured and printed.
     */
    @Test
    @Order(25)
    void theOptInDropInLetsTheServiceNameProcessesHoldingAModule() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        String dropIn = "/etc/systemd/system/kmodd.service.d/see-processes.conf";
        sh("install -D -m644 /usr/share/kmodd/see-processes.conf " + dropIn + " && systemctl daemon-reload && systemctl restart kmodd");
        try {
            guest().awaitUp(Duration.ofMinutes(3));
            double exposure = exposure();
            System.out.println("with " + dropIn + ": overall exposure " + exposure);
            // The figure the README and the drop-in state.
            assertThat(exposure).isEqualTo(2.3);
            sh("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/dropin-holder; sleep 0.3");
            String pid = sh("cat /tmp/dropin-holder");
            JsonPath usage = with("viewer").get("/modules/loop/usage").then().statusCode(200).extract().jsonPath();
            assertThat(usage.getList("holding.what", String.class)).as(usage.prettify())
                    .contains("/dev/loop0 open by pid " + pid + " (sleep, kmodd-guest-agent.service)");
            assertThat(usage.getBoolean("complete")).as(usage.prettify()).isTrue();
            assertThat(usage.getList("notVisible", String.class)).as(usage.prettify()).isEmpty();
        } finally {
            sh("kill $(cat /tmp/dropin-holder) 2>/dev/null; rm -f " + dropIn + " && systemctl daemon-reload && systemctl restart kmodd");
            guest().awaitUp(Duration.ofMinutes(3));
        }
    }

    /**
     * kmoddctl as the package installs it, run as root in the guest (the tokens file gives it the least role
     * each command needs): what it prints, its exit statuses, the progress line on a terminal (util-linux
     * script(1) gives it one), --json, and the Unix socket set up as the README says. Its start is printed
     * beside java -version's, measured in the same boot.
     */
    @Test
    @Order(27)
    void kmoddctlFromThePackageTalksToTheServiceOverTcpAndItsUnixSocket() throws Exception {
        assertThat(sh("stat -c '%a %U' /usr/bin/kmoddctl")).isEqualTo("755 root");
        String ms = "for i in 1 2 3 4 5; do s=$(date +%s%N); CMD >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); done"
                + " | sort -n | tr '\\n' ' '";
        System.out.println("start in ms, 5 runs each, same boot: kmoddctl --version: " + sh(ms.replace("CMD", "kmoddctl --version"))
                + "| java -version: " + sh(ms.replace("CMD", "java -version")));
        sh("kmoddctl unload loop --timeout 30s >/dev/null 2>&1; true");
        assertThat(sh("kmoddctl load loop max_loop=4; echo rc=$?")).startsWith("loop: loaded loop with max_loop=4 (job ").endsWith("rc=0");
        assertThat(sh("kmoddctl list | grep '^loop '")).matches("loop +live +0 +\\d+");
        assertThat(sh("kmoddctl show loop")).containsPattern("parameters: .*max_loop=4").contains("held by:    refcnt 0");
        assertThat(sh("kmoddctl load loop max_loop=8 2>&1; echo rc=$?")).contains("kmoddctl: loop is loaded with max_loop=4",
                "requested: max_loop=8", "live:      max_loop=4").endsWith("rc=1");

        sh("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/ctl-holder; sleep 0.3");
        try {
            String onTerminal = sh("script -qec 'kmoddctl unload loop --timeout 3s' /dev/null; echo rc=$?");
            assertThat(onTerminal).contains("\r\u001b[2K", "loop: waiting for loop: refcnt 1")
                    .contains("loop: failed: still in use: refcnt 1 after 3s").endsWith("rc=3");
            System.out.println("kmoddctl unload on a terminal, each redraw of its one line shown here on a line of its own:\n  | "
                    + onTerminal.replace("\r\u001b[2K", "\n  | "));
            assertThat(sh("kmoddctl unload loop --timeout 1s; echo rc=$?")).contains("refcnt: refcnt of loop is 1\n",
                    "outcome: still in use: refcnt 1 after 1s").endsWith("rc=3");
        } finally {
            sh("kill $(cat /tmp/ctl-holder)");
        }
        assertThat(sh("kmoddctl --json unload loop --timeout 30s | tail -n 1")).contains("\"type\":\"outcome\"", "\"state\":\"succeeded\"");
        assertThat(sh("kmoddctl jobs --module loop --limit 1")).contains("unload", "succeeded");

        // The Unix socket, as the README sets it up (TCP stays on here).
        String dropIn = "/etc/systemd/system/kmodd.service.d/unix-socket.conf";
        long restarted = System.nanoTime();
        sh("mkdir -p /etc/systemd/system/kmodd.service.d && printf '[Service]\\nRuntimeDirectory=kmodd\\n"
                + "Environment=QUARKUS_VERTX_PREFER_NATIVE_TRANSPORT=true QUARKUS_HTTP_DOMAIN_SOCKET_ENABLED=true"
                + " QUARKUS_HTTP_DOMAIN_SOCKET=/run/kmodd/kmodd.sock\\n' > " + dropIn
                + " && systemctl daemon-reload && systemctl restart kmodd");
        try {
            guest().awaitUp(Duration.ofMinutes(3));
            // systemctl waits for the unit's READY=1 (Type=notify), which kmodd sends once it is ready.
            System.out.printf("systemctl restart kmodd to ready (host's view, through the forward): %.1f s%n",
                    (System.nanoTime() - restarted) / 1e9);
            // The unit starts the JVM so that it maps the package's class-data-sharing archive.
            assertThat(sh("grep -c app-cds.jsa /proc/$(systemctl show -p MainPID --value kmodd)/maps")).isNotEqualTo("0");
            assertThat(sh("journalctl -u kmodd --no-pager | grep -ci 'shared archive' || true")).isEqualTo("0");
            assertThat(sh("KMODD_SOCKET=/run/kmodd/kmodd.sock kmoddctl load loop max_loop=4; echo rc=$?"))
                    .startsWith("loop: loaded loop with max_loop=4").endsWith("rc=0");
            assertThat(sh("kmoddctl --socket /run/kmodd/kmodd.sock unload loop --timeout 30s; echo rc=$?"))
                    .contains("outcome: removed loop").endsWith("rc=0");
            assertThat(sh("kmoddctl --socket /run/kmodd/kmodd.sock status; echo rc=$?")).startsWith("kmodd: UP").endsWith("rc=0");
        } finally {
            sh("rm -f " + dropIn + " && systemctl daemon-reload && systemctl restart kmodd");
            guest().awaitUp(Duration.ofMinutes(3));
        }
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

    /**
     * A newer build installed over the running service keeps the token file, the edited conffile and the
     * job journal, and a removal that was waiting when the postinst restarted the service ends as
     * interrupted, its outcome still answerable. The newer build is this build repacked with a higher
     * version, which is what the maintainer scripts and conffile handling see of any upgrade.
     */
    @Test
    @Order(30)
    void anUpgradeOverTheRunningServiceKeepsTokensConfigJournalAndAnswers() throws Exception {
        String conf = "/etc/kmodd/application.properties";
        sh("printf '\\n# edited by the administrator\\nkmodd.jobs.retain-for=45d\\n' >> " + conf);
        String before = sh("sha256sum " + InstalledPackage.TOKENS + " " + conf);
        sh("rmmod loop 2>/dev/null; true");
        String finished = given().post("/modules/loop/load?wait=60s").then().statusCode(200).extract().path("id");
        sh("(exec 3</dev/loop0; sleep 600) >/dev/null 2>&1 & echo $! > /tmp/upgrade-holder; sleep 0.3");
        String waiting = given().post("/modules/loop/unload?timeout=10m").then().statusCode(202).extract().path("id");
        awaitState(waiting, "waiting");
        String oldVersion = sh("dpkg-query -W -f '${Version}' kmodd");
        Guest.Result upgrade = guest().sh("set -e; d=$(mktemp -d); cd " + Guest.project() + "; dpkg-deb -R target/kmodd_*_amd64.deb $d/p;"
                + " sed -i \"s/^Version: .*/Version: " + oldVersion + "+upgrade1/\" $d/p/DEBIAN/control;"
                + " dpkg-deb -Znone -b $d/p /tmp/kmodd_newer_amd64.deb >/dev/null; apt install /tmp/kmodd_newer_amd64.deb </dev/null 2>&1");
        assertThat(upgrade.rc()).as(upgrade.output()).isZero();
        assertThat(sh("dpkg-query -W -f '${Version}' kmodd")).isEqualTo(oldVersion + "+upgrade1");
        guest().awaitUp(Duration.ofMinutes(3));
        assertThat(sh("systemctl is-active kmodd")).isEqualTo("active");
        assertThat(sh("sha256sum " + InstalledPackage.TOKENS + " " + conf)).isEqualTo(before);
        assertThat(sh("tail -n 1 " + conf)).isEqualTo("kmodd.jobs.retain-for=45d");
        JsonPath interrupted = given().get("/jobs/" + waiting).then().statusCode(200).extract().jsonPath();
        assertThat(interrupted.getString("state")).isEqualTo("failed");
        assertThat(interrupted.getString("error.reason")).isEqualTo("interrupted");
        given().get("/jobs/" + finished).then().statusCode(200).body("state", org.hamcrest.Matchers.equalTo("succeeded"));
        assertThat(sh("cut -d' ' -f1 /proc/modules")).contains("loop");
        sh("kill $(cat /tmp/upgrade-holder)");
    }

    /** apt purge leaves no unit, token, state, link or user behind; the modules it loaded stay loaded. */
    @Test
    @Order(40)
    void purgeLeavesNothingBehind() throws Exception {
        Guest.Result purge = guest().sh("apt purge -y kmodd </dev/null 2>&1");
        assertThat(purge.rc()).as(purge.output()).isZero();
        assertThat(sh("dpkg-query -W -f '${db:Status-Status}' kmodd 2>/dev/null; true")).isIn("", "not-installed");
        String left = sh("for f in /lib/systemd/system/kmodd.service /etc/systemd/system/kmodd.service"
                + " /etc/systemd/system/multi-user.target.wants/kmodd.service"
                + " /etc/kmodd /usr/lib/kmodd /var/lib/kmodd /var/lib/private/kmodd /var/cache/kmodd /etc/modules-load.d/kmodd.conf"
                + " /etc/modprobe.d/kmodd.conf; do [ -e $f ] || [ -L $f ] && echo $f; done; true");
        assertThat(left).as("left behind").isEmpty();
        assertThat(sh("systemctl is-active kmodd; true")).isNotEqualTo("active");
        // (it exits 1 when it lists nothing)
        assertThat(sh("systemctl list-unit-files kmodd.service --no-legend; true")).isEmpty();
        // Nothing listens on kmodd's loopback port any more (the guest's forwarder on 10.0.2.15 stays).
        assertThat(sh("ss -Htln src 127.0.0.1:8080")).isEmpty();
        assertThat(sh("cut -d' ' -f1 /proc/modules")).contains("loop");
    }
}
