package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.TWENTY;
import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.awaitState;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.operatorToken;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * What kmodd lives through: a crash and a stop with jobs in flight, a full disk under its state, and the long
 * loop of loads, holders and patient removals a test suite runs.
 */
interface EnduranceScenarios {
    /**
     * A crash (SIGKILL) while a removal waits and twenty loads of distinct modules are in flight, the journal's
     * last line torn by it: after the restart every job the daemon had accepted answers (succeeded, failed, or
     * failed as interrupted), none 404 or 500; a job that says it succeeded is true of the kernel, and the module
     * list is /proc/modules'. (A stop, SIGTERM, is the shared set's last scenario: kmodd stays stopped after it.)
     */
    @Test
    @Order(160)
    default void aCrashLeavesEveryAcceptedJobAnAnswerNotA404() throws Exception {
        // Out at the start, so that what of them is loaded after the crash is what these loads did.
        guest().run("for m in " + String.join(" ", TWENTY) + "; do rmmod $m 2>/dev/null; done; true");
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        guest().run("(exec 3</dev/loop0; sleep 600) >/dev/null 2>&1 & echo $! > /tmp/holder2; sleep 0.3");
        try {
            String id = startUnload("loop", "timeout=5m");
            awaitState(id, "waiting");
            assertThat(procModules()).doesNotContainAnyElementsOf(TWENTY);
            // The jobs other scenarios made for these modules (the storm's) are theirs, not this crash's.
            Set<String> earlier = jobsOf(TWENTY).keySet();
            // Twenty loads fired at once from inside the guest, and kmodd stopped the moment the first is accepted,
            // the others in flight (a host round trip would let all twenty finish first); then killed, its
            // journal's last line torn as a crash leaves it.
            String fire = "rm -rf /tmp/crash; mkdir /tmp/crash; for m in " + String.join(" ", TWENTY) + "; do"
                    + " curl -s -o /tmp/crash/$m.body -w '%{http_code}' -H 'Authorization: Bearer " + operatorToken() + "'"
                    + " -X POST http://127.0.0.1:8080/modules/$m/load > /tmp/crash/$m.code 2>/dev/null & done;"
                    // Shell builtins only, no process started per look: stopped within a moment of the first answer.
                    + " i=0; while [ $i -lt 2000000 ]; do i=$((i+1)); for f in /tmp/crash/*.code; do"
                    + " [ -s $f ] && break 2; done; done";
            deployment().crash(fire, "printf '{\"id\":\"torn-by-the-crash\",\"module\":\"lo' >> " + deployment().journalFile());
            guest().run("for i in $(seq 1 300); do [ $(ls /tmp/crash/*.code | xargs cat | wc -c) -ge " + 3 * TWENTY.size()
                    + " ] && break; sleep 0.1; done; true");
            java.util.Map<String, String> accepted = new java.util.LinkedHashMap<>();
            int refused = 0;
            // One line per module, read in one go: its status, then the body it got (a job, when 202).
            List<String> answers = guest().run("for m in " + String.join(" ", TWENTY) + "; do"
                    + " echo \"$(cat /tmp/crash/$m.code) $(cat /tmp/crash/$m.body 2>/dev/null | tr -d '\\n')\"; done").lines().toList();
            assertThat(answers).hasSize(TWENTY.size());
            for (int i = 0; i < TWENTY.size(); i++) {
                String m = TWENTY.get(i);
                String code = answers.get(i).split(" ", 2)[0];
                if (code.equals("202")) {
                    accepted.put(new JsonPath(answers.get(i).split(" ", 2)[1]).getString("id"), m);
                } else {
                    // 000: its connection went with the daemon before an answer, so no job the caller knows of.
                    // Anything else came from the restarted daemon: never a 5xx.
                    assertThat(code).as(m).matches("000|[1-4]\\d\\d");
                    refused++;
                }
            }
            java.util.Map<String, Integer> byState = new java.util.TreeMap<>();
            Set<String> live = procModules();
            // Every job the daemon made for these modules, answered to its caller or not, answers now.
            jobsOf(TWENTY).forEach((job, m) -> {
                if (!earlier.contains(job)) {
                    accepted.putIfAbsent(job, m);
                }
            });
            for (var e : accepted.entrySet()) {
                Response r = given().get("/jobs/" + e.getKey());
                assertThat(r.statusCode()).as("job %s (%s) after the crash: %s", e.getKey(), e.getValue(), r.asString()).isEqualTo(200);
                String state = r.path("state");
                String reason = r.path("error.reason");
                byState.merge(state + (reason == null ? "" : "/" + reason), 1, Integer::sum);
                assertThat(state).as(e.getValue()).isIn("succeeded", "failed");
                if (state.equals("succeeded")) {
                    assertThat(live).as("%s: its job says succeeded", e.getValue()).contains(e.getValue());
                }
            }
            System.out.println("after SIGKILL during " + TWENTY.size() + " loads (" + (TWENTY.size() - refused) + " answered 202, "
                    + refused + " unanswered; " + accepted.size() + " jobs made): jobs by state " + byState + "; loaded: "
                    + TWENTY.stream().filter(live::contains).count());
            assertThat(accepted).isNotEmpty();
            List<String> listed = given().get("/modules").then().statusCode(200).extract().jsonPath().getList("name");
            assertThat(new HashSet<>(listed)).isEqualTo(procModules());
            // The torn line cost nothing but itself: the journal reads back whole and is writable.
            given().get("/q/health/ready").then().statusCode(200);
            guest().run("for m in " + String.join(" ", TWENTY) + "; do rmmod $m 2>/dev/null; done; true");

            JsonPath job = given().get("/jobs/" + id).then().statusCode(200).extract().jsonPath();
            assertThat(job.getString("state")).isEqualTo("failed");
            assertThat(job.getString("error.reason")).isEqualTo("interrupted");
            given().get("/jobs/" + id + "/events").then().statusCode(200).body(containsString("interrupted"));
            given().delete("/jobs/" + id).then().statusCode(409);
            assertThat(loaded("loop")).isTrue();
            guest().run("kill $(cat /tmp/holder2)");
            assertThat(awaitJob(startUnload("loop", "timeout=30s"), Duration.ofMinutes(1)).getString("state"))
                    .isEqualTo("succeeded");
        } finally {
            guest().run("kill $(cat /tmp/holder2) 2>/dev/null; true");
        }
    }

    /** Every job kmodd knows of for {@code modules}: its id to its module. */
    private static java.util.Map<String, String> jobsOf(List<String> modules) {
        java.util.Map<String, String> jobs = new java.util.LinkedHashMap<>();
        for (String m : modules) {
            for (String id : given().get("/jobs?module=" + m).then().statusCode(200).extract().jsonPath().<String>getList("id")) {
                jobs.put(id, m);
            }
        }
        return jobs;
    }

    /**
     * A full disk under kmodd's state (journal, parameter record, drop-ins: a small filesystem of their own in the
     * guest, filled to the last block): loads and removals go on and succeed; readiness goes DOWN naming the
     * journal; a persistence write answers 507 with a problem and leaves the drop-ins byte for byte as they were,
     * with no temporary file beside them; once there is room again readiness comes back by itself, with no job
     * to write, and the journal holds only whole lines.
     */
    @Test
    @Order(260)
    default void aFullDiskStopsNoJobAndReadinessComesBackByItself() throws Exception {
        given().contentType("application/json").body("{\"load\": true, \"params\": {\"max_loop\": \"8\"}}")
                .put("/modules/loop/persistence").then().statusCode(200);
        String dropIns = "cat $(readlink -f " + deployment().modulesLoadFile() + " " + deployment().modprobeFile() + ") | sha256sum";
        String before = guest().run(dropIns);
        String state = deployment().stateDir();
        String fill = guest().run("df --output=target " + state + " | tail -n 1").strip() + "/kmodd-test-fill";
        try {
            guest().run("dd if=/dev/zero of=" + fill + " bs=64k 2>/dev/null; sync; true");
            assertThat(guest().run("df --output=avail " + state + " | tail -n 1").strip()).isEqualTo("0");
            guest().run("rmmod dummy 2>/dev/null; true");
            Response ready = null;
            int cycles = 0;
            while (cycles < 20) {
                cycles++;
                JsonPath load = given().post("/modules/dummy/load?wait=60s").then().statusCode(200).extract().jsonPath();
                assertThat(load.getString("state")).isEqualTo("succeeded");
                assertThat(loaded("dummy")).isTrue();
                assertThat(awaitJob(startUnload("dummy", "timeout=30s"), Duration.ofMinutes(1)).getString("state"))
                        .isEqualTo("succeeded");
                assertThat(loaded("dummy")).isFalse();
                ready = given().get("/q/health/ready");
                if (ready.statusCode() == 503) {
                    break;
                }
            }
            assertThat(ready.statusCode()).as("readiness after %d load/unload cycles on a full disk", cycles).isEqualTo(503);
            String journal = ready.jsonPath().getString("checks.find { it.name == 'journal' }.data.problem");
            assertThat(journal).contains(deployment().journalFile().replace("/private", "")).contains("No space left on device");
            System.out.println("full disk: readiness DOWN after " + cycles + " load/unload cycles, every job succeeded: " + journal);

            Response put = given().contentType("application/json").body("{\"load\": true}").put("/modules/dummy/persistence");
            assertThat(put.statusCode()).as(put.asString()).isEqualTo(507);
            assertThat(put.contentType()).startsWith("application/problem+json");
            assertThat(put.asString()).contains("No space left on device");
            assertThat(guest().run(dropIns)).isEqualTo(before);
            assertThat(guest().run("find " + state + "/ -name '*.tmp'")).isEmpty();
        } finally {
            guest().run("rm -f " + fill);
        }
        long freed = System.nanoTime();
        long deadline = freed + TimeUnit.SECONDS.toNanos(60);
        while (given().get("/q/health/ready").statusCode() != 200) {
            assertThat(System.nanoTime()).as("readiness UP within 60 s of the space coming back").isLessThan(deadline);
            Thread.sleep(1000);
        }
        System.out.printf("full disk: readiness UP %.1f s after the space came back, no job run meanwhile%n",
                (System.nanoTime() - freed) / 1e9);
        assertThat(given().post("/modules/dummy/load?wait=60s").then().statusCode(200).extract().<String>path("state"))
                .isEqualTo("succeeded");
        assertThat(guest().run("tail -c 1 " + deployment().journalFile() + " | od -An -c").strip()).isEqualTo("\\n");
        Guest.Result whole = guest().sh("python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1]) if l.strip()]' "
                + deployment().journalFile());
        assertThat(whole.rc()).as("every journal line is whole JSON: " + whole.output()).isZero();
        given().delete("/modules/loop/persistence").then().statusCode(204);
        assertThat(awaitJob(startUnload("dummy", "timeout=30s"), Duration.ofMinutes(1)).getString("state")).isEqualTo("succeeded");
    }

    /**
     * What fstests and blktests do all day, as the kmod patient-removal series was written for: cycles of a
     * load, a holder (an open /dev/loop0) that lets go after a random 0-300 ms, and a patient unload with a
     * timeout. Every unload succeeds and the module is gone from /proc/modules after it; once idle, kmodd's
     * threads and open descriptors are back where they were before the loop.
     */
    @Test
    @Order(270)
    default void aTestSuiteLoopOfLoadHoldAndPatientUnloadEndsEveryTimeAndLeaksNothing() throws Exception {
        String counts = "p=" + deployment().pid() + "; echo $(ls /proc/$p/task | wc -l) $(ls /proc/$p/fd | wc -l)";
        // One cycle first, so that what a first request starts lazily is there before the count.
        cycle(0);
        String[] before = guest().run(counts).split(" ");
        long seed = System.nanoTime();
        java.util.Random random = new java.util.Random(seed);
        // 10 cycles (a test suite runs hundreds; what leaks leaks in every cycle, and the count after shows it).
        int cycles = 10;
        long started = System.nanoTime();
        List<Integer> waits = new ArrayList<>();
        for (int i = 0; i < cycles; i++) {
            waits.add(cycle(random.nextInt(301)));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        // Idle: what a cycle's requests started ends with them (up to a minute for pools that shrink).
        String after = guest().run("b_t=" + before[0] + "; b_f=" + before[1] + "; for i in $(seq 1 600); do set -- $(" + counts
                + "); [ $1 -le $b_t ] && [ $2 -le $b_f ] && break; sleep 0.1; done; echo $1 $2");
        System.out.printf("test-suite loop: %d cycles in %.1f s (seed %d), unload jobs took %s ms; threads %s -> %s, descriptors %s -> %s%n",
                cycles, seconds, seed, waits, before[0], after.split(" ")[0], before[1], after.split(" ")[1]);
        assertThat(Integer.parseInt(after.split(" ")[0])).as("threads once idle").isLessThanOrEqualTo(Integer.parseInt(before[0]));
        assertThat(Integer.parseInt(after.split(" ")[1])).as("descriptors once idle").isLessThanOrEqualTo(Integer.parseInt(before[1]));
    }

    /** One cycle of the test-suite loop: load loop, hold it for {@code holdMs}, patient unload; its wait in ms. */
    private static int cycle(int holdMs) throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        // The holder has /dev/loop0 open before the unload is asked for, and closes it holdMs later.
        assertThat(guest().run("rm -f /tmp/cycle-held; (exec 3</dev/loop0; touch /tmp/cycle-held; sleep " + holdMs / 1000.0
                + ") >/dev/null 2>&1 & for i in $(seq 1 3000); do [ -e /tmp/cycle-held ] && { echo held; exit 0; }; sleep 0.01; done;"
                + " echo 'no holder: /dev/loop0 did not open'")).isEqualTo("held");
        Response r = given().post("/modules/loop/unload?timeout=30s");
        assertThat(r.statusCode()).as(r.asString()).isIn(200, 202);
        JsonPath job = awaitJob(r.path("id"), Duration.ofMinutes(1));
        assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
        assertThat(loaded("loop")).as("loop after its unload said succeeded").isFalse();
        return (int) Duration.between(Instant.parse(job.getString("startedAt")), Instant.parse(job.getString("finishedAt"))).toMillis();
    }

    /**
     * {@code systemctl stop} (SIGTERM) while a removal waits: the removal ends as interrupted, recorded in the
     * journal by the stopping daemon itself (not guessed at the next start), kmodd exits within the unit's
     * TimeoutStopSec, and under systemd the unit is inactive, not failed. The module stays loaded. The shared
     * set's last scenario: kmodd stays stopped, so the journal is read as the next start would read it, and
     * no target pays a start for nothing (a target's own scenarios after it start the service again).
     */
    @Test
    @Order(290)
    default void aStopEndsAWaitingRemovalAsInterruptedInTheStoppingDaemonsOwnJournal() throws Exception {
        given().post("/modules/loop/load?wait=60s").then().statusCode(200);
        guest().run("(exec 3</dev/loop0; sleep 600) >/dev/null 2>&1 & echo $! > /tmp/holder3; sleep 0.3");
        try {
            String id = startUnload("loop", "timeout=5m");
            awaitState(id, "waiting");
            double stopSeconds = deployment().stop();
            System.out.printf("SIGTERM with a removal waiting: kmodd exited after %.1f s%n", stopSeconds);
            // Not scaled: 30 s is the unit's TimeoutStopSec, after which systemd kills kmodd whatever the machine.
            assertThat(stopSeconds).as("seconds to stop").isLessThan(30);
            // The job's last record, the one the next start reads: state, reason, detail.
            String last = guest().run("python3 -c 'import json, sys\n"
                    + "last = {}\n"
                    + "for line in open(sys.argv[1]):\n"
                    + "    try:\n"
                    + "        r = json.loads(line)\n"
                    + "    except ValueError:\n"
                    + "        continue\n"
                    + "    if isinstance(r, dict) and r.get(\"id\") == sys.argv[2]:\n"
                    + "        last = r\n"
                    + "e = last.get(\"error\") or {}\n"
                    + "print(last.get(\"state\"), e.get(\"reason\"), e.get(\"detail\"), sep=\"|\")' "
                    + deployment().journalFile() + " " + id);
            String[] record = last.strip().split("\\|", 3);
            assertThat(record).as("the journal's last record of job %s: %s", id, last).hasSize(3);
            assertThat(record[0]).as(last).isEqualTo("failed");
            assertThat(record[1]).as(last).isEqualToIgnoringCase("interrupted");
            assertThat(record[2]).as(last).contains("kmodd is stopping; this job was waiting");
            assertThat(loaded("loop")).isTrue();
        } finally {
            guest().run("kill $(cat /tmp/holder3) 2>/dev/null; true");
        }
    }
}
