package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.awaitState;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * What an installed package lives through after its install, in the userland it runs in: the opt-in
 * drop-ins (the process scan's capability, the Unix socket), the installed kmoddctl, an upgrade over the
 * running service, and a purge that leaves nothing behind. These depend on the distribution (systemd,
 * dpkg, the JDK), not on the kernel, and each costs service restarts (tens of seconds each under
 * emulation), so one target runs them: the current stable, Debian 13, on its own 6.12. The other installed
 * targets check the install itself and the live unit on their userland and kernel.
 */
abstract class PackageLifecycleScenarios extends InstalledPackageScenarios {
    /**
     * The package's opt-in drop-in (CAP_SYS_PTRACE) lets the service name the process holding a module,
     * which the plain unit cannot see; the exposure it costs is measured and printed. In the same restart
     * (each costs tens of seconds under emulation) the Unix socket is set up as the README says, and the
     * installed kmoddctl uses it.
     */
    @Test
    @Order(300)
    void theOptInDropInsLetTheServiceNameHoldersAndListenOnItsUnixSocket() throws Exception {
        // kmodd is stopped here (the shared set's last scenario stops it): this restart starts it.
        String dropIn = "/etc/systemd/system/kmodd.service.d/see-processes.conf";
        String socketDropIn = "/etc/systemd/system/kmodd.service.d/unix-socket.conf";
        boolean checked = false;
        long restarted = System.nanoTime();
        sh("install -D -m644 /usr/share/kmodd/see-processes.conf " + dropIn
                + " && printf '[Service]\\nRuntimeDirectory=kmodd\\n"
                + "Environment=QUARKUS_VERTX_PREFER_NATIVE_TRANSPORT=true QUARKUS_HTTP_DOMAIN_SOCKET_ENABLED=true"
                + " QUARKUS_HTTP_DOMAIN_SOCKET=/run/kmodd/kmodd.sock\\n' > " + socketDropIn
                + " && systemctl daemon-reload && systemctl restart kmodd");
        try {
            guest().awaitUp(GuestSession.restartLimit());
            // systemctl waits for the unit's READY=1 (Type=notify), which kmodd sends once it is ready.
            System.out.printf("systemctl restart kmodd to ready (host's view, through the forward): %.1f s%n",
                    (System.nanoTime() - restarted) / 1e9);
            given().post("/modules/loop/load?wait=60s").then().statusCode(200);
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
            sh("kill $(cat /tmp/dropin-holder)");

            // The unit starts the JVM so that it maps the package's class-data-sharing archive.
            assertThat(sh("grep -c app-cds.jsa /proc/" + deployment().pid() + "/maps")).isNotEqualTo("0");
            assertThat(sh("journalctl -u kmodd --no-pager | grep -ci 'shared archive' || true")).isEqualTo("0");
            unloadLoop();
            assertThat(sh("KMODD_SOCKET=/run/kmodd/kmodd.sock kmoddctl load loop max_loop=4; echo rc=$?")).startsWith("loop: loaded loop with max_loop=4").endsWith("rc=0");
            assertThat(sh("kmoddctl --socket /run/kmodd/kmodd.sock unload loop --timeout 30s; echo rc=$?"))
                    .contains("outcome: removed loop").endsWith("rc=0");
            assertThat(sh("kmoddctl --socket /run/kmodd/kmodd.sock status; echo rc=$?")).startsWith("kmodd: UP").endsWith("rc=0");
            checked = true;
        } finally {
            // The drop-ins go; the running service keeps them until its next restart, which the upgrade
            // below makes (a restart costs tens of seconds here). After a failure, restart now.
            sh("kill $(cat /tmp/dropin-holder) 2>/dev/null; rm -f " + dropIn + " " + socketDropIn
                    + " && systemctl daemon-reload" + (checked ? "" : " && systemctl restart kmodd"));
            guest().awaitUp(GuestSession.restartLimit());
        }
    }

    /**
     * kmoddctl as the package installs it, run as root in the guest (the tokens file gives it the least role
     * each command needs): what it prints, its exit statuses, the progress line on a terminal (util-linux
     * script(1) gives it one) and --json; the Unix socket is tried with the opt-in drop-ins. Its start is printed
     * beside java -version's, measured in the same boot.
     */
    @Test
    @Order(310)
    void kmoddctlFromThePackageTalksToTheServiceOverTcp() throws Exception {
        assertThat(sh("stat -c '%a %U' /usr/bin/kmoddctl")).isEqualTo("755 root");
        String ms = "s=$(date +%s%N); CMD >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 ))";
        System.out.println("start in ms, same boot: kmoddctl --version: " + sh(ms.replace("CMD", "kmoddctl --version"))
                + " | java -version: " + sh(ms.replace("CMD", "java -version")));
        unloadLoop();
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
    }

    /**
     * A newer build installed over the running service keeps the token file, the edited conffile and the
     * job journal, and a removal that was waiting when the postinst restarted the service ends as
     * interrupted, its outcome still answerable. The newer build is this build repacked with a higher
     * version, which is what the maintainer scripts and conffile handling see of any upgrade.
     */
    @Test
    @Order(320)
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
        // The same jars and JDK as before: the archive still fits, and the postinst keeps it, no training run.
        assertThat(upgrade.output()).contains("the start-up archive /var/cache/kmodd/app-cds.jsa still fits");
        assertThat(sh("dpkg-query -W -f '${Version}' kmodd")).isEqualTo(oldVersion + "+upgrade1");
        guest().awaitUp(GuestSession.restartLimit());
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

    /** loop out, through the API: a known start for a kmoddctl check (each kmoddctl call is a JVM start). */
    private static void unloadLoop() throws Exception {
        if (loaded("loop")) {
            assertThat(awaitJob(startUnload("loop", "timeout=30s"), Duration.ofMinutes(1)).getString("state"))
                    .isEqualTo("succeeded");
        }
    }

    /** apt purge leaves no unit, token, state, link or user behind; the modules it loaded stay loaded. */
    @Test
    @Order(330)
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
