package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.awaitState;
import static io.kmodd.guest.GuestSession.budgetMs;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.kernelCalls;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.operatorToken;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Removal: a module other modules use refused naming them or taken down with its unused dependencies; a
 * patient removal waiting on an open descriptor or a mount, failing at its timeout or cancelled; what holds a
 * module, explained; and followers of a waiting removal coming and going.
 */
interface RemovalScenarios {
    @Test
    @Order(50)
    default void holdersAre409NamingThem() throws Exception {
        given().post("/modules/tcp_yeah/load?wait=120s").then().statusCode(200);
        given().post("/modules/tcp_vegas/unload?timeout=5s").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("tcp_yeah"));
        assertThat(loaded("tcp_vegas")).isTrue();
    }

    @Test
    @Order(60)
    default void removeDependenciesTakesUnusedDependenciesToo() throws Exception {
        given().post("/modules/tcp_yeah/load?wait=120s").then().statusCode(200);
        JsonPath job = awaitJob(startUnload("tcp_yeah", "timeout=30s&removeDependencies=true"), Duration.ofMinutes(1));
        assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
        assertThat(procModules()).doesNotContain("tcp_yeah", "tcp_vegas");
    }

    @Test
    @Order(90)
    default void patientUnloadOfLoopHeldByAnOpenDescriptorCompletesPromptlyAfterRelease() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        guest().run("(exec 3</dev/loop0; sleep 3; exec 3<&-; date +%s.%N > /tmp/released) >/dev/null 2>&1 &"
                + " sleep 0.3; cat /sys/module/loop/refcnt");
        String id = startUnload("loop", "timeout=60s");
        JsonPath job = awaitJob(id, Duration.ofMinutes(1));
        assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
        assertThat(loaded("loop")).isFalse();
        assertThat(job.getList("events.data.refcnt", Integer.class)).contains(1, 0);
        Instant released = epoch(guest().run("cat /tmp/released"));
        Instant finished = Instant.parse(job.getString("finishedAt"));
        // The release time is taken after close() returns, so the removal may even precede it slightly.
        assertThat(Duration.between(released, finished).toMillis()).as("ms from release to removal")
                .isLessThan(budgetMs(2000));
    }

    private static Instant epoch(String secondsDotNanos) {
        String[] p = secondsDotNanos.strip().split("\\.");
        return Instant.ofEpochSecond(Long.parseLong(p[0]), Long.parseLong(p[1]));
    }

    @Test
    @Order(100)
    default void aShortTimeoutFailsAndLeavesTheModuleLoadedAndCancelWorks() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        guest().run("(exec 3</dev/loop0; sleep 600) >/dev/null 2>&1 & echo $! > /tmp/holder; sleep 0.3");
        try {
            JsonPath failed = awaitJob(startUnload("loop", "timeout=1s"), Duration.ofSeconds(30));
            assertThat(failed.getString("state")).isEqualTo("failed");
            assertThat(failed.getString("error.detail")).contains("still in use: refcnt 1 after 1s");
            assertThat(loaded("loop")).isTrue();

            String id = startUnload("loop", "timeout=60s");
            awaitState(id, "waiting");
            given().delete("/jobs/" + id).then().statusCode(200);
            assertThat(awaitJob(id, Duration.ofSeconds(10)).getString("state")).isEqualTo("cancelled");
            given().delete("/jobs/" + id).then().statusCode(409);
            assertThat(loaded("loop")).isTrue();
            guest().run("kill $(cat /tmp/holder)");
        } finally {
            guest().run("kill $(cat /tmp/holder) 2>/dev/null; true");
        }
    }

    @Test
    @Order(110)
    default void patientUnloadOfExt4HeldByAMountCompletesAfterUmount() throws Exception {
        given().post("/modules/ext4/load?wait=120s").then().statusCode(200);
        // mount -o loop needs loop's driver: loaded here rather than left loaded by an earlier scenario.
        guest().run("modprobe loop && truncate -s 32M /tmp/ext4.img && mkfs.ext4 -q -F /tmp/ext4.img && mkdir -p /tmp/mnt"
                + " && mount -t ext4 -o loop /tmp/ext4.img /tmp/mnt");
        try {
            assertThat(Integer.parseInt(guest().run("cat /sys/module/ext4/refcnt"))).isGreaterThan(0);
            String id = startUnload("ext4", "timeout=120s");
            awaitState(id, "waiting");
            Thread.sleep(1000);
            assertThat(given().get("/jobs/" + id).then().extract().<String>path("state")).isEqualTo("waiting");
            guest().run("umount /tmp/mnt && date +%s.%N > /tmp/umounted");
            JsonPath job = awaitJob(id, Duration.ofMinutes(1));
            assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
            assertThat(loaded("ext4")).isFalse();
            Instant released = epoch(guest().run("cat /tmp/umounted"));
            assertThat(Duration.between(released, Instant.parse(job.getString("finishedAt"))).toMillis())
                    .as("ms from umount to removal").isLessThan(budgetMs(3000));
        } finally {
            guest().run("umount /tmp/mnt 2>/dev/null; true");
        }
    }

    /** Undoes what a scenario set up in the guest. */
    interface Releaser {
        void run() throws Exception;
    }

    /**
     * What holds a module, on the real kernel: loop held by a process's open descriptor (named when kmodd may
     * see other users' processes: as root; under the packaged unit it says it cannot), by a file attached
     * with losetup and by an ext4 mount from a loop device; ext4 held by that mount; tcp_vegas held by tcp_yeah;
     * dummy holding nothing but taking dummy0 with it. A removal waiting on loop streams the explanation and
     * succeeds once everything is released.
     */
    @Test
    @Order(230)
    default void usageExplainsWhatHoldsAModuleAndAWaitingRemovalStreamsIt() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        given().post("/modules/ext4/load?wait=120s").then().statusCode(200);
        guest().run("truncate -s 8M /tmp/attached.img && losetup /dev/loop1 /tmp/attached.img"
                + " && truncate -s 32M /tmp/usage-ext4.img && mkfs.ext4 -q -F /tmp/usage-ext4.img && mkdir -p /tmp/usage-mnt"
                + " && losetup /dev/loop2 /tmp/usage-ext4.img && mount -t ext4 /dev/loop2 /tmp/usage-mnt"
                + " && { (exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/usage-holder; } && sleep 0.3");
        Releaser release = () -> guest().run("kill $(cat /tmp/usage-holder) 2>/dev/null; umount /tmp/usage-mnt 2>/dev/null;"
                + " losetup -d /dev/loop2 2>/dev/null; losetup -d /dev/loop1 2>/dev/null; true");
        try {
            boolean seesProcesses = !(deployment() instanceof InstalledPackage);
            String pid = guest().run("cat /tmp/usage-holder");
            int refcnt = Integer.parseInt(guest().run("cat /sys/module/loop/refcnt"));
            JsonPath loop = given().get("/modules/loop/usage").then().statusCode(200).extract().jsonPath();
            List<String> what = loop.getList("holding.what");
            assertThat(loop.getInt("refcnt")).isEqualTo(refcnt);
            assertThat(what).as(loop.prettify()).contains("loop1 attached to /tmp/attached.img", "loop2 attached to /tmp/usage-ext4.img",
                    "/dev/loop2 mounted at /tmp/usage-mnt (ext4)");
            if (seesProcesses) {
                assertThat(what).as(loop.prettify()).contains("/dev/loop0 open by pid " + pid + " (sleep)");
                assertThat(loop.getInt("explained")).as(loop.prettify()).isEqualTo(refcnt);
                assertThat(loop.getBoolean("complete")).isTrue();
            } else {
                assertThat(loop.getList("notVisible", String.class)).as(loop.prettify())
                        .anySatisfy(n -> assertThat(n).contains("CAP_SYS_PTRACE"));
                assertThat(loop.getInt("explained")).as(loop.prettify()).isEqualTo(refcnt - 1);
                assertThat(loop.getBoolean("complete")).isFalse();
            }
            JsonPath ext4 = given().get("/modules/ext4/usage").then().statusCode(200).extract().jsonPath();
            assertThat(ext4.getList("holding.what", String.class)).as(ext4.prettify()).contains("ext4 from /dev/loop2 mounted at /tmp/usage-mnt");
            assertThat(ext4.getInt("explained")).as(ext4.prettify()).isEqualTo(Integer.parseInt(guest().run("cat /sys/module/ext4/refcnt")));

            // A dry run says the same, without a kernel call.
            double calls = kernelCalls();
            JsonPath plan = given().post("/modules/loop/unload?dryRun=true").then().statusCode(200).extract().jsonPath();
            assertThat(plan.getString("steps[0].outlook")).as(plan.prettify()).isEqualTo("waits");
            assertThat(plan.getString("steps[0].blockers[0]")).as(plan.prettify()).contains("loop1 attached to /tmp/attached.img");
            assertThat(kernelCalls()).isEqualTo(calls);

            // A removal waiting on loop carries the explanation in its progress events.
            String id = startUnload("loop", "timeout=2m");
            String fragment = seesProcesses ? "open by pid " + pid : "loop1 attached to /tmp/attached.img";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            List<String> progress;
            do {
                assertThat(System.nanoTime()).as("a progress event naming what holds loop").isLessThan(deadline);
                Thread.sleep(200);
                progress = given().get("/jobs/" + id).then().extract().jsonPath().getList("events.findAll { it.type == 'progress' }.message");
            } while (progress.stream().noneMatch(m -> m.contains(fragment)));
            release.run();
            assertThat(awaitJob(id, Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
            assertThat(awaitJob(startUnload("ext4", "timeout=60s"), Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
        } finally {
            release.run();
        }
        // A holder module, fully explained.
        given().post("/modules/tcp_yeah/load?wait=120s").then().statusCode(200);
        JsonPath yeahPlan = given().post("/modules/tcp_yeah/unload?dryRun=true&removeDependencies=true").then().statusCode(200)
                .extract().jsonPath();
        assertThat(yeahPlan.getList("steps.module", String.class)).as(yeahPlan.prettify()).containsExactly("tcp_yeah", "tcp_vegas");
        assertThat(yeahPlan.getList("steps.outlook", String.class)).as(yeahPlan.prettify()).containsExactly("ready", "ready");
        given().post("/modules/tcp_vegas/unload?dryRun=true").then().statusCode(200)
                .body("steps[0].outlook", equalTo("blocked")).body("steps[0].blockers[0]", equalTo("used by tcp_yeah"));
        JsonPath crc = given().get("/modules/tcp_vegas/usage").then().statusCode(200).extract().jsonPath();
        assertThat(crc.getList("holding.what", String.class)).as(crc.prettify()).contains("module tcp_yeah uses it");
        assertThat(crc.getInt("explained")).as(crc.prettify()).isEqualTo(Integer.parseInt(guest().run("cat /sys/module/tcp_vegas/refcnt")));
        assertThat(awaitJob(startUnload("tcp_yeah", "timeout=60s&removeDependencies=true"), Duration.ofMinutes(1)).getString("state"))
                .isEqualTo("succeeded");

        // An interface holds no reference, but a removal of its driver takes it.
        guest().run("ip link add kmodd-dummy0 type dummy");
        JsonPath dummy = given().get("/modules/dummy/usage").then().statusCode(200).extract().jsonPath();
        assertThat(dummy.getList("removalDestroys.what", String.class)).as(dummy.prettify())
                .contains("network interface kmodd-dummy0 (down)");
        assertThat(dummy.getInt("refcnt")).isZero();
        assertThat(awaitJob(startUnload("dummy", "timeout=30s"), Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
        assertThat(guest().sh("ip link show kmodd-dummy0").rc()).isNotZero();

        // A module without an exit function (vrf on both kernels): only force would remove it.
        given().post("/modules/vrf/load?wait=60s").then().statusCode(200);
        given().post("/modules/vrf/unload?dryRun=true").then().statusCode(200)
                .body("steps[0].permanent", equalTo(true)).body("steps[0].outlook", equalTo("only-force"))
                .body("steps[0].blockers[0]", containsString("[permanent]"));
        assertThat(guest().run("grep '^vrf ' /proc/modules")).contains("[permanent]");
    }

    /**
     * Two followers of one waiting removal, each a curl in the guest on /jobs/{id}/events: one is killed
     * (a Ctrl-C, a dropped connection), the other still streams every later event and the outcome.
     */
    @Test
    @Order(240)
    default void oneFollowerLeavingAWaitingRemovalLeavesTheOtherFollowingToTheOutcome() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        guest().run("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/follow-holder;"
                + " until [ \"$(cat /sys/module/loop/refcnt)\" -ge 1 ]; do sleep 0.1; done");
        try {
            String id = startUnload("loop", "timeout=3m");
            awaitState(id, "waiting");
            String follow = "curl -sN -H 'Authorization: Bearer " + operatorToken() + "' http://127.0.0.1:8080/jobs/" + id + "/events";
            guest().run("rm -f /tmp/follower-a.sse /tmp/follower-b.sse;"
                    + " (" + follow + " > /tmp/follower-a.sse 2>&1 & echo $! > /tmp/follower-a) >/dev/null 2>&1;"
                    + " (" + follow + " > /tmp/follower-b.sse 2>&1; echo \"exit $?\" > /tmp/follower-b.rc) >/dev/null 2>&1 &"
                    + " timeout 60 sh -c 'until grep -q ^event: /tmp/follower-a.sse && grep -q ^event: /tmp/follower-b.sse;"
                    + " do sleep 0.1; done'");
            guest().run("kill $(cat /tmp/follower-a)");
            // Two more live events after the kill: kmodd has written to the dead connection and seen it gone.
            int before = Integer.parseInt(guest().run("grep -c ^event: /tmp/follower-b.sse"));
            guest().run("timeout 60 sh -c 'until [ $(grep -c ^event: /tmp/follower-b.sse) -ge " + (before + 2)
                    + " ]; do sleep 0.1; done'");
            guest().run("kill $(cat /tmp/follow-holder)");
            JsonPath job = awaitJob(id, Duration.ofMinutes(1));
            assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
            assertThat(loaded("loop")).isFalse();
            // The stream ends by itself after the outcome: curl exits 0.
            assertThat(guest().run("timeout 30 sh -c 'until [ -f /tmp/follower-b.rc ]; do sleep 0.1; done'; cat /tmp/follower-b.rc"))
                    .isEqualTo("exit 0");
            String b = guest().run("cat /tmp/follower-b.sse");
            List<String> names = Pattern.compile("^event: ?(\\w+)$", Pattern.MULTILINE).matcher(b).results()
                    .map(r -> r.group(1)).toList();
            assertThat(names).as(b).endsWith("outcome").contains("refcnt");
            assertThat(b).contains("delete_module loop: OK");
            String a = guest().run("cat /tmp/follower-a.sse");
            assertThat(a).as("the killed follower saw no outcome").doesNotContain("event:outcome", "event: outcome");
        } finally {
            guest().run("kill $(cat /tmp/follow-holder) $(cat /tmp/follower-a) 2>/dev/null; true");
        }
    }
}
