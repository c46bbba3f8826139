package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.TWENTY;
import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.metricIn;
import static io.kmodd.guest.GuestSession.operatorToken;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.scrape;
import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Races from outside kmodd: a udev-like storm of loads and removals raced by modprobe and rmmod, and an outside
 * loader cycling a module while kmodd's clients load and remove it. The kernel's answers of a race are kmodd's
 * to handle, never its callers'.
 */
interface OutsideRaceScenarios {
    /**
     * The storm's modules: the first twelve of the twenty that load without hardware. Twelve at once already
     * race every module's loads and removals with each other and with the outside tools (the kernel's answers
     * to that race are the same for twelve as for twenty), at three fifths of the twenty's cost per target.
     */
    List<String> STORM = TWENTY.subList(0, 12);

    /**
     * A udev-like storm: twelve modules, each loaded through kmodd while three outside modprobes load it at the
     * same instant, then removed through kmodd while an outside rmmod removes it at the same instant. All loaded,
     * then all gone; every kmodd job succeeded.
     */
    @Test
    @Order(120)
    default void aUdevLikeStormOfTwelveModulesRacedFromOutsideEndsWithEveryJobSucceeded() throws Exception {
        String all = String.join(" ", STORM);
        guest().run("for m in " + all + "; do rmmod $m 2>/dev/null; done; true");
        assertThat(procModules()).doesNotContainAnyElementsOf(STORM);
        double racesBefore = raceAnswers();
        String curl = "curl -s -H 'Authorization: Bearer " + operatorToken() + "' -X POST";
        // All twelve at once from inside the guest, as udev does at boot; each module's three modprobes start the
        // moment kmodd has accepted its load (started beside the request, a modprobe is always in the kernel
        // before kmodd has parsed it, and there is no race left to handle).
        guest().run("rm -rf /tmp/storm; mkdir /tmp/storm; cd /tmp/storm; for m in " + all + "; do ("
                + curl + " -o $m.load -w '%{http_code}' http://127.0.0.1:8080/modules/$m/load > $m.load.code 2>/dev/null;"
                + " for i in 1 2 3; do (modprobe $m 2>/dev/null; echo $? > $m.modprobe$i) & done; wait) & done; wait");
        List<String> loads = stormAnswers("load", "cat $m.modprobe1 $m.modprobe2 $m.modprobe3 | tr -d '\\n'");
        List<JsonPath> loadJobs = new ArrayList<>();
        for (String line : loads) {
            String[] load = line.split(" ", 3);
            loadJobs.add(load[0].equals("202") ? awaitJob(new JsonPath(load[2]).getString("id"), Duration.ofMinutes(2)) : null);
        }
        Set<String> loadedNow = procModules();
        guest().run("cd /tmp/storm; for m in " + all + "; do ("
                + curl + " -o $m.unload -w '%{http_code}' 'http://127.0.0.1:8080/modules/'$m'/unload?timeout=60s' > $m.unload.code 2>/dev/null;"
                + " rmmod $m 2>/dev/null; echo $? > $m.rmmod) & done; wait");
        List<String> unloads = stormAnswers("unload", "cat $m.rmmod | tr -d '\\n'");
        double races = raceAnswers() - racesBefore;
        java.util.Map<String, Integer> byKind = new java.util.TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < STORM.size(); i++) {
            String m = STORM.get(i);
            String[] load = loads.get(i).split(" ", 3);
            JsonPath job = loadJobs.get(i);
            if (job == null) {
                wrong.add(m + " load answered " + load[0] + ": " + load[2]);
            } else {
                String state = job.getString("state");
                String found = job.getBoolean("alreadyLoaded") ? " (loaded by an outside modprobe)" : "";
                byKind.merge("load job " + state + found, 1, Integer::sum);
                if (!state.equals("succeeded")) {
                    wrong.add(m + " load job " + state + ": " + job.prettify());
                }
            }
            byKind.merge("outside modprobe rc " + load[1], 1, Integer::sum);
            String[] unload = unloads.get(i).split(" ", 3);
            byKind.merge("outside rmmod rc " + unload[1], 1, Integer::sum);
            if (unload[0].equals("202")) {
                JsonPath removal = awaitJob(new JsonPath(unload[2]).getString("id"), Duration.ofMinutes(2));
                String outcome = removal.getString("outcome");
                String gone = outcome != null && outcome.contains("removed by another party") ? " (gone by the outside rmmod)" : "";
                byKind.merge("unload job " + removal.getString("state") + gone, 1, Integer::sum);
                if (!removal.getString("state").equals("succeeded")) {
                    wrong.add(m + " unload job " + removal.getString("state") + ": " + removal.prettify());
                }
            } else {
                wrong.add(m + " unload answered " + unload[0] + " (outside rmmod rc " + unload[1] + "): " + unload[2]);
            }
        }
        System.out.printf("udev-like storm of %d modules, each with three outside modprobes and then an outside rmmod: %s;"
                + " %.0f kernel answers of a race handled inside kmodd%n", STORM.size(), byKind, races);
        assertThat(wrong).as("answers that were wrong").isEmpty();
        assertThat(loadedNow).as("after the loads").containsAll(STORM);
        assertThat(procModules()).as("after the removals").doesNotContainAnyElementsOf(STORM);
    }

    /** Per module, in STORM's order: "CODE OUTSIDE BODY" of the storm's {@code operation}. */
    private static List<String> stormAnswers(String operation, String outside) throws Exception {
        List<String> lines = guest().run("cd /tmp/storm; for m in " + String.join(" ", STORM) + "; do echo \"$(cat $m." + operation
                + ".code) $(" + outside + ") $(tr -d '\\n' < $m." + operation + " 2>/dev/null)\"; done").lines().toList();
        assertThat(lines).hasSize(STORM.size());
        return lines;
    }

    /**
     * An outside racer: a shell loop of {@code modprobe dummy; rmmod dummy} for 12 s while four clients load
     * and unload dummy through kmodd. No 5xx; every job ends and succeeds (the kernel's EEXIST, EBUSY, EAGAIN and
     * ENOENT are kmodd's to handle, never its caller's); and every answer is true of the kernel at the time it
     * gives, judged against the kernel's own record of dummy's coming and going ({@link ModuleTimeline}): a load
     * that succeeded had dummy in the kernel at some instant between the job's start and its end, a removal had
     * it out; an answer with no job (already loaded, not loaded) within the request's own time.
     */
    @Test
    @Order(130)
    default void anOutsideLoaderRacingKmoddNeverReachesItsCallers() throws Exception {
        guest().run("rmmod dummy 2>/dev/null; true");
        assertThat(loaded("dummy")).isFalse();
        double racesBefore = raceAnswers();
        ModuleTimeline.start(guest());
        long[] guestMinusHost = ModuleTimeline.guestMinusHost(guest());
        // 12 s by default (at 20 s, 28-67 kernel loads of dummy and 162-330 answers on the four targets here): the loop
        // costs its length on every target, and the test command's budget is 30 minutes on a slow machine.
        // -Dkmodd.racer.seconds=60 runs it for the minute the issue asked for.
        int seconds = Integer.getInteger("kmodd.racer.seconds", 12);
        ExecutorService pool = Executors.newFixedThreadPool(5);
        Future<Guest.Result> racer = pool.submit(() -> guest().sh("bash -c 'end=$((SECONDS+" + seconds + ")); n=0; mf=0; rf=0;"
                + " while [ $SECONDS -lt $end ]; do modprobe dummy 2>/dev/null || mf=$((mf+1));"
                + " rmmod dummy 2>/dev/null || rf=$((rf+1)); n=$((n+1)); done; echo $n $mf $rf'", Duration.ofSeconds(seconds + 120)));
        List<Future<List<RaceAnswer>>> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            clients.add(pool.submit(() -> {
                List<RaceAnswer> answers = new ArrayList<>();
                while (!racer.isDone()) {
                    answers.add(RaceAnswer.of("load", Instant.now(), given().post("/modules/dummy/load?wait=60s")));
                    Instant sent = Instant.now();
                    Response r = given().post("/modules/dummy/unload?timeout=10s");
                    RaceAnswer unload = RaceAnswer.of("unload", sent, r);
                    if (r.statusCode() == 202) {
                        unload = unload.withJob(awaitJob(r.path("id"), Duration.ofSeconds(60), 100));
                    }
                    answers.add(unload);
                }
                return answers;
            }));
        }
        String[] cycles = racer.get(seconds + 180, TimeUnit.SECONDS).out().split(" ");
        List<RaceAnswer> answers = new ArrayList<>();
        for (Future<List<RaceAnswer>> f : clients) {
            answers.addAll(f.get(3, TimeUnit.MINUTES));
        }
        pool.shutdown();
        long[] after = ModuleTimeline.guestMinusHost(guest());
        long[] bracket = {Math.min(guestMinusHost[0], after[0]), Math.max(guestMinusHost[1], after[1])};
        ModuleTimeline kernel = ModuleTimeline.stop(guest(), "dummy");
        guest().run("rmmod dummy 2>/dev/null; true");

        java.util.Map<String, Integer> byKind = new java.util.TreeMap<>();
        List<String> wrong = new ArrayList<>();
        for (RaceAnswer a : answers) {
            byKind.merge(a.kind(), 1, Integer::sum);
            a.problem(kernel, bracket).ifPresent(wrong::add);
        }
        double races = raceAnswers() - racesBefore;
        System.out.printf("outside racer: %s cycles of modprobe; rmmod in %d s (%s modprobe and %s rmmod failed); the kernel"
                + " recorded %s; kmodd answered %d requests: %s; %.0f kernel answers of a race (EEXIST, EBUSY, EAGAIN, ENOENT)"
                + " handled inside kmodd; guest minus host clock %d..%d ms%n", cycles[0], seconds, cycles[1], cycles[2], kernel,
                answers.size(), byKind, races, bracket[0] / 1_000_000, bracket[1] / 1_000_000);
        assertThat(wrong).as("answers that were wrong, or not true of the kernel when given").isEmpty();
        assertThat(Integer.parseInt(cycles[0])).as("racer cycles").isPositive();
        assertThat(answers).as("answers").isNotEmpty();
        assertThat(kernel.loads()).as("loads the kernel saw").isGreaterThan(Integer.parseInt(cycles[0]) / 2);
        List<String> listed = given().get("/modules").then().statusCode(200).extract().jsonPath().getList("name");
        assertThat(new HashSet<>(listed)).isEqualTo(procModules());
    }

    /** How many times the kernel has answered kmodd with a racing party's errno (EEXIST, EBUSY, EAGAIN, ENOENT). */
    private static double raceAnswers() {
        String text = scrape();
        return Arrays.stream(new String[] {"EEXIST", "EBUSY", "EAGAIN", "ENOENT"})
                .mapToDouble(e -> metricIn(text, "kmodd_kernel_calls_total", "errno=\"" + e + "\"")).sum();
    }

    /** One answer kmodd gave a racing client, judged against the kernel's record. */
    record RaceAnswer(String operation, Instant sent, Instant answered, int status, String body, JsonPath job) {
        /** The answer as it arrived; its job is the body when a wait ended with the job (200 with an id). */
        static RaceAnswer of(String operation, Instant sent, Response r) {
            Instant answered = Instant.now();
            JsonPath body = r.statusCode() == 200 ? r.jsonPath() : null;
            return new RaceAnswer(operation, sent, answered, r.statusCode(), r.asString(),
                    body != null && body.getString("id") != null ? body : null);
        }

        /** The same answer with the job it began, followed to its end. */
        RaceAnswer withJob(JsonPath finished) {
            return new RaceAnswer(operation, sent, answered, status, body, finished);
        }

        /** What it was, for the counts: the operation, its status, and the job's state or what the answer said. */
        String kind() {
            if (job != null) {
                return operation + " job " + job.getString("state");
            }
            if (status == 200 && body.contains("\"alreadyLoaded\":true")) {
                return operation + " already loaded";
            }
            return operation + " " + status;
        }

        /** Why this answer is wrong, or not true of the kernel when given; empty if it is right. */
        java.util.Optional<String> problem(ModuleTimeline kernel, long[] guestMinusHost) {
            if (body.matches("(?s).*\\b(EEXIST|EBUSY|EAGAIN|ENOENT)\\b.*") && status != 200 && status != 202) {
                return java.util.Optional.of(operation + " passed a kernel race on: " + status + " " + body);
            }
            JsonPath j = job;
            if (j != null) {
                if (!j.getString("state").equals("succeeded")) {
                    return java.util.Optional.of(operation + " job ended " + j.getString("state") + ": " + j.prettify());
                }
                Instant from = Instant.parse(j.getString("startedAt"));
                Instant to = Instant.parse(j.getString("finishedAt"));
                boolean true_ = operation.equals("load") ? kernel.loadedDuring(from, to) : kernel.absentDuring(from, to);
                return true_ ? java.util.Optional.empty() : java.util.Optional.of(operation + " job " + j.getString("id")
                        + " succeeded over " + from + ".." + to + " but the kernel had dummy "
                        + (operation.equals("load") ? "out" : "in") + " all that time");
            }
            // No job: judged over the request's own time on the host, in the guest's clock.
            Instant from = sent.plusNanos(guestMinusHost[0]);
            Instant to = answered.plusNanos(guestMinusHost[1]);
            if (operation.equals("load") && status == 200 && body.contains("\"alreadyLoaded\":true")) {
                return kernel.loadedDuring(from, to) ? java.util.Optional.empty()
                        : java.util.Optional.of("load answered already loaded over " + from + ".." + to + " but dummy was out");
            }
            if (operation.equals("unload") && status == 404 && body.contains("not loaded")) {
                return kernel.absentDuring(from, to) ? java.util.Optional.empty()
                        : java.util.Optional.of("unload answered not loaded over " + from + ".." + to + " but dummy was in");
            }
            return java.util.Optional.of(operation + " answered " + status + ": " + body);
        }
    }
}
