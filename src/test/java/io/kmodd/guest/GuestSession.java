package io.kmodd.guest;

import static org.assertj.core.api.Assertions.assertThat;

import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The one guest a target's scenarios run against, booted once per target ({@link KernelScenarios#bootOn}),
 * and what every topic's scenarios share to talk to it: requests as a caller, the kernel's own view read in
 * the guest, kmodd's metrics, jobs followed to their end, and latency budgets scaled to the machine.
 */
final class GuestSession {
    private static Deployment deployment;
    private static Guest guest;
    private static String series;
    private static String target;
    private static long bootedAt;
    /**
     * How much slower than the machine this suite's latency budgets were set on the guest runs: its warm
     * {@code java -version} over {@link #REFERENCE_JAVA_VERSION_MS}, never below 1. A budget such as "removed
     * within 2 s of the release" scales by it, so a machine 3x slower gets 3x the time, and a kmodd that is
     * slow for the machine it runs on still fails.
     */
    private static double slowness = 1.0;
    /** The guest's warm {@code java -version} on the machine the budgets were set on (0.7-1.3 s there). */
    static final long REFERENCE_JAVA_VERSION_MS = 1000;
    private static String operatorToken;
    private static boolean zstdKmoddStarted;

    /** Modules that load without hardware on every target's kernel, none of them used by another scenario. */
    static final List<String> TWENTY = List.of("tcp_bic", "tcp_cdg", "tcp_dctcp", "tcp_highspeed", "tcp_htcp",
            "tcp_hybla", "tcp_illinois", "tcp_lp", "tcp_nv", "tcp_scalable", "tcp_veno", "tcp_westwood", "sch_sfq",
            "sch_tbf", "sch_red", "sch_prio", "sch_htb", "sch_hfsc", "sch_drr", "sch_multiq");

    private GuestSession() {
    }

    /** A request as the operator; the suite's default caller. */
    static RequestSpecification given() {
        return RestAssured.given().header("Authorization", "Bearer " + operatorToken);
    }

    /** A request with exactly the given Authorization header. */
    static RequestSpecification as(String authorization) {
        return RestAssured.given().header("Authorization", authorization);
    }

    /** A shell command's output in the guest; for targets' own checks. */
    static String inGuest(String command) throws Exception {
        return guest.run(command);
    }

    /** How kmodd runs in this target's guest. */
    static Deployment deployment() {
        return deployment;
    }

    /** This target's guest. */
    static Guest guest() {
        return guest;
    }

    /** The operator's token, as the guest holds it. */
    static String operatorToken() {
        return operatorToken;
    }

    /** The kernel series this target names ("6.1", "6.12", "7"). */
    static String series() {
        return series;
    }

    /**
     * Boots the target's guest on the kernel series it names, on the root filesystem of {@code userland}, with
     * kmodd started by hand in a chroot or installed as a package under systemd (its tokens as {@code tokens}
     * says), and points every request at it.
     */
    static void boot(String kernelSeries, Guest.Boot boot, Guest.Userland userland, InstalledPackage.Tokens tokens,
            InstalledPackage.Jdk jdk)
            throws Exception {
        bootedAt = System.nanoTime();
        // Every target runs in the same JVM: what a target started in its guest is its own.
        zstdKmoddStarted = false;
        series = kernelSeries;
        target = userland + " " + kernelSeries + (boot == Guest.Boot.SYSTEMD ? ", the .deb under systemd" : ", started by hand");
        Guest g = Guest.boot(kernelSeries, boot, userland);
        guest = g;
        System.out.printf("target %s: its guest answers %.1f s after the boot began%n", target, (System.nanoTime() - bootedAt) / 1e9);
        // How fast this machine emulates: the figure that tells a slow machine's log from a fast one's.
        // The distribution's default JDK (17 on Debian 12, 21 on Debian 13, whose root also has 25, which is then
        // /usr/bin/java and takes 1.3-1.5 s here where 21 takes 0.7-0.9 s): the figure the budgets were set with.
        String java = "$( [ -x /usr/lib/jvm/default-java/bin/java ] && echo /usr/lib/jvm/default-java/bin/java || echo java)";
        String javaVersion = "t0=$(date +%s%N); " + java + " -version >/dev/null 2>&1; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 ))";
        String cold = g.run(javaVersion);
        String warm = g.run(javaVersion);
        slowness = Math.max(1.0, Long.parseLong(warm.strip()) / (double) REFERENCE_JAVA_VERSION_MS);
        System.out.println("target " + target + ": " + g.run("uname -r") + "; in the guest `java -version` takes "
                + warm + " ms (" + cold + " ms cold; " + g.run(java + " -version 2>&1 | head -n 1") + ")"
                + String.format("; latency budgets x%.2f", slowness)
                + (System.getenv("KMODD_GUEST_CPU_QUOTA") == null ? ""
                        : "; QEMU bound to " + System.getenv("KMODD_GUEST_CPU_QUOTA") + "% of one core"));
        deployment = boot == Guest.Boot.SYSTEMD ? InstalledPackage.install(g, tokens, jdk) : new HandStarted(g);
        RestAssured.baseURI = g.kmoddUrl();
        RestAssured.port = g.kmoddPort();
        RestAssured.config = RestAssured.config().httpClient(SlirpConnects.oneAtATime());
        RestAssured.filters(ScenarioCost.requests());
        operatorToken = deployment.token("operator");
    }

    /**
     * Shuts the guest down, and fails the target if any JVM in it crashed on the way (the daemon, a second
     * kmodd, kmoddctl's or a training run's): every one writes its hs_err report into the results share, or,
     * under the unit, into kmodd's state directory, copied out here. A crash the service's restart hid, or
     * that a scenario's retry covered, still fails the run, with the report's head in the message.
     */
    static void shutdown() throws Exception {
        List<String> reports = List.of();
        if (guest != null) {
            try {
                guest.run("cp /var/lib/private/kmodd/hs_err_*.log " + guest.outDir() + "/ 2>/dev/null; true");
            } catch (Exception e) {
                System.out.println("target " + target + ": could not look for crash reports in the guest: " + e);
            }
            guest.close();
            System.out.printf("target %s: %.0f s from boot to shutdown%n", target, (System.nanoTime() - bootedAt) / 1e9);
            reports = guest.crashReports();
        }
        RestAssured.reset();
        if (!reports.isEmpty()) {
            String head = guest.hostCopy(reports.get(0)).lines().limit(30).collect(Collectors.joining("\n"));
            throw new AssertionError("target " + target + ": a JVM crashed in the guest: " + reports + " (in "
                    + Guest.project().resolve("target") + "/guest-*); the first begins:\n" + head);
        }
    }

    static Set<String> procModules() throws Exception {
        return Arrays.stream(guest.run("cut -d' ' -f1 /proc/modules").split("\n"))
                .map(String::strip).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    static boolean loaded(String module) throws Exception {
        return procModules().contains(module);
    }

    /** Sum of a kmodd counter's series whose labels contain every given fragment. */
    static double metric(String name, String... labelFragments) {
        return metricIn(scrape(), name, labelFragments);
    }

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** As {@link #metric(String, String...)}, in a scrape already taken. */
    static double metricIn(String text, String name, String... labelFragments) {
        double sum = 0;
        Matcher m = Pattern.compile("^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$", Pattern.MULTILINE).matcher(text);
        while (m.find()) {
            String labels = m.group(1) == null ? "" : m.group(1);
            if (Arrays.stream(labelFragments).allMatch(labels::contains)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }

    static double kernelCalls() {
        return metric("kmodd_kernel_calls_total");
    }

    static JsonPath awaitJob(String id, Duration limit) throws InterruptedException {
        return awaitJob(id, limit, 50);
    }

    /** The job once it has ended, looked at every {@code pollMs}; fails the test after {@code limit}. */
    static JsonPath awaitJob(String id, Duration limit, long pollMs) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            JsonPath j = given().get("/jobs/" + id).then().statusCode(200).extract().jsonPath();
            String state = j.getString("state");
            if (state.equals("succeeded") || state.equals("failed") || state.equals("cancelled")) {
                return j;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("job " + id + " still " + state + " after " + limit);
            }
            Thread.sleep(pollMs);
        }
    }

    static String startUnload(String module, String query) {
        return given().post("/modules/" + module + "/unload?" + query).then().statusCode(202).extract().path("id");
    }

    static void awaitState(String id, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String now;
        while (!(now = given().get("/jobs/" + id).then().extract().path("state")).equals(state)) {
            assertThat(System.nanoTime()).as("job %s to reach %s (it is %s)", id, state, now).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /**
     * How long to wait for kmodd to answer again after a start or restart in the guest: 3 minutes on the reference
     * machine, scaled to this one. A limit on waiting, not a budget the start must meet: a first run at 3.5x with
     * the host's cores also busy took 276 s to restart kmodd after SIGKILL, where its first start took 71 s.
     */
    static java.time.Duration restartLimit() {
        return java.time.Duration.ofMillis(budgetMs(180_000));
    }

    /** A latency budget set on the reference machine, scaled to this one (see {@link #slowness}). */
    static long budgetMs(long onTheReferenceMachine) {
        return Math.round(onTheReferenceMachine * slowness);
    }

    /**
     * Starts the second kmodd of {@link LoadingScenarios#aFormatTheKernelCannotDecompressIsDecompressedHereAndLoadedWithInitModule}
     * on its zstd module tree, in the background, once per target: the Ansible scenario starts it, so that its
     * start (a JVM start: tens of seconds under emulation) overlaps the playbook runs, which run on the host.
     */
    static void startTheZstdKmodd() throws Exception {
        if (zstdKmoddStarted) {
            return;
        }
        zstdKmoddStarted = true;
        Guest.Result tree = guest.sh("set -e; K=$(uname -r); T=/tmp/ztree/lib/modules/$K; rm -rf /tmp/ztree;"
                + " mkdir -p $T/kernel/drivers/net; src=$(modinfo -n dummy);"
                + " case $src in *.xz) xz -dc $src ;; *.zst) zstd -qdc $src ;; *) cat $src ;; esac > /tmp/dummy.ko;"
                // From a file, so the frame records its content size, which kmod 34's depmod requires.
                + " zstd -q -o $T/kernel/drivers/net/dummy.ko.zst /tmp/dummy.ko;"
                + " for f in modules.builtin modules.builtin.modinfo modules.order; do cp /lib/modules/$K/$f $T/; done;"
                + " depmod -b /tmp/ztree $K; cat /sys/module/compression 2>/dev/null || echo none");
        assertThat(tree.rc()).as(tree.output()).isZero();
        assertThat(tree.output().strip()).isIn("none", "xz");
        // The deployment's own build and archive: from the project's 9p share and without an archive, this JVM's
        // start took about a minute under emulation; from local files with the archive, as long as the service's.
        guest.run("K=$(uname -r); (" + deployment.javaWithArchive() + " -XX:ErrorFile=" + guest.outDir() + "/hs_err_%p.log"
                + " -Dquarkus.http.port=8081 -Dkmodd.auth.enabled=false -Dkmodd.jobs.journal=none"
                + " -Dkmodd.kernel.modules-dir=/tmp/ztree/lib/modules/$K"
                + " -Dkmodd.persistence.modules-load-file=/tmp/ztree/ml.conf -Dkmodd.persistence.modprobe-file=/tmp/ztree/mp.conf"
                + " -jar quarkus-run.jar) > " + guest.outDir() + "/kmodd-zstd.log 2>&1 & echo $! > /tmp/kmodd-zstd.pid");
    }
}
