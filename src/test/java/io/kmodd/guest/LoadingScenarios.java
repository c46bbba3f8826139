package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.kernelCalls;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.metric;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.startTheZstdKmodd;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Loading: fifty concurrent loads made one job, parameters reaching sysfs, unknown and bad names refused
 * without a kernel call, and the module file reaching the kernel as its packages ship it or, in a format the
 * kernel cannot decompress, decompressed by kmodd.
 */
interface LoadingScenarios {
    @Test
    @Order(40)
    default void fiftyConcurrentLoadsOfAModuleAreOneJobWithItsDependencyLoadedFirst() throws Exception {
        // Both out at the start: the loads are to bring in the module and its dependency.
        guest().run("rmmod tcp_yeah 2>/dev/null; rmmod tcp_vegas 2>/dev/null; true");
        Set<String> before = procModules();
        assertThat(before).doesNotContain("tcp_yeah");
        double finitBefore = metric("kmodd_kernel_calls_total", "call=\"finit_module\"");
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Response>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(pool.submit((Callable<Response>) () -> {
                go.await();
                return given().post("/modules/tcp_yeah/load");
            }));
        }
        go.countDown();
        Set<String> jobIds = new HashSet<>();
        int alreadyLoaded = 0;
        for (Future<Response> f : answers) {
            Response r = f.get(120, TimeUnit.SECONDS);
            if (r.statusCode() == 202) {
                jobIds.add(r.path("id"));
            } else {
                assertThat(r.statusCode()).as(r.asString()).isEqualTo(200);
                assertThat(r.<Boolean>path("alreadyLoaded")).isTrue();
                alreadyLoaded++;
            }
        }
        pool.shutdown();
        // tcp_yeah's init is quick: a request admitted while the load ran may reach the lane just after that
        // job ended, and gets a job of its own that finds the module live (no kernel call). So: one job
        // loaded it, any other found it loaded, and every request was answered by one or the other.
        assertThat(jobIds).isNotEmpty();
        JsonPath job = null;
        int requests = 0;
        for (String id : jobIds) {
            JsonPath j = awaitJob(id, Duration.ofMinutes(2));
            assertThat(j.getString("state")).as(j.prettify()).isEqualTo("succeeded");
            requests += j.getInt("requests");
            if (!j.getBoolean("alreadyLoaded")) {
                assertThat(job).as("a second job that loaded tcp_yeah: " + j.prettify()).isNull();
                job = j;
            }
        }
        assertThat(job).as("the job that loaded tcp_yeah, among " + jobIds).isNotNull();
        assertThat(requests + alreadyLoaded).isEqualTo(50);
        assertThat(procModules()).contains("tcp_yeah", "tcp_vegas");
        assertThat(guest().run("ls /sys/module/tcp_vegas/holders")).contains("tcp_yeah");
        // One finit_module per module that appeared (tcp_yeah, tcp_vegas and tcp_vegas's softdeps, if any), for fifty requests.
        Set<String> appeared = new HashSet<>(procModules());
        appeared.removeAll(before);
        assertThat(appeared).contains("tcp_yeah", "tcp_vegas");
        assertThat(metric("kmodd_kernel_calls_total", "call=\"finit_module\"") - finitBefore)
                .isEqualTo((double) appeared.size());
        List<String> types = job.getList("events.type");
        assertThat(types.indexOf("dependency")).isLessThan(types.indexOf("attempt"));
    }

    @Test
    @Order(70)
    default void loadWithParametersReachesSysfs() throws Exception {
        // Out at the start: a load of loop as it is would find it loaded, with whatever parameters it has.
        guest().run("rmmod loop 2>/dev/null; true");
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"4\"}}")
                .post("/modules/loop/load?wait=60s").then().statusCode(200).body("state", equalTo("succeeded"));
        assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("4");
        given().get("/modules/loop").then().body("parameters.max_loop", equalTo("4"));
    }

    @Test
    @Order(80)
    default void unknownModulesAre404AndBadNames400WithoutAKernelCall() {
        double before = kernelCalls();
        given().post("/modules/no_such_module_x/load").then().statusCode(404).contentType("application/problem+json");
        for (String bad : List.of("..%2F..%2Fetc", "xfs.ko", "a%00b", "x".repeat(60), "%E2%80%8Bxfs")) {
            given().urlEncodingEnabled(false).post("/modules/" + bad + "/load").then()
                    .statusCode(org.hamcrest.Matchers.oneOf(400, 404)).contentType("application/problem+json");
        }
        given().contentType("application/json").body("{\"params\":{\"max_loop\":\"1\\nfoo=2\"}}")
                .post("/modules/dummy/load").then().statusCode(400);
        assertThat(kernelCalls()).isEqualTo(before);
    }

    /**
     * The module file as the kernel's packages ship it (6.1: .ko; 6.12: .ko.xz) reaches the kernel the way
     * kmod 31 sends it: finit_module with MODULE_INIT_COMPRESSED_FILE when the kernel decompresses that
     * format itself (/sys/module/compression), init_module on an image kmodd decompressed otherwise.
     */
    @Test
    @Order(180)
    default void theModuleFileIsLoadedAsTheKernelShipsIt() throws Exception {
        guest().run("rmmod dummy 2>/dev/null; true");
        String file = guest().run("modinfo -n dummy");
        String kernelDecompresses = guest().run("cat /sys/module/compression 2>/dev/null; true").strip();
        JsonPath job = given().post("/modules/dummy/load?wait=60s").then().statusCode(200).extract().jsonPath();
        assertThat(job.getString("state")).isEqualTo("succeeded");
        assertThat(loaded("dummy")).isTrue();
        List<String> calls = job.getList("events.findAll { it.type == 'attempt' }.data.call");
        boolean compressed = file.endsWith(".xz") || file.endsWith(".zst") || file.endsWith(".gz");
        String format = file.endsWith(".xz") ? "xz" : file.endsWith(".zst") ? "zstd" : "gzip";
        String expected = !compressed || kernelDecompresses.equals(format) ? "finit_module" : "init_module";
        assertThat(calls).as("%s, kernel decompresses '%s'", file, kernelDecompresses).containsExactly(expected);
        assertThat(awaitJob(startUnload("dummy", "timeout=30s"), Duration.ofMinutes(1)).getString("state"))
                .isEqualTo("succeeded");
        assertThat(loaded("dummy")).isFalse();
    }

    /**
     * A format the running kernel does not decompress (zstd: 6.1 decompresses nothing, 6.12 only xz) is
     * decompressed by kmodd and loaded with init_module: a second kmodd, inside the guest only, reads a module
     * tree holding dummy.ko.zst (made with depmod), as a distribution's zstd tree would be read.
     */
    @Test
    @Order(255) // after Ansible (250), whose playbook runs on the host while this scenario's kmodd starts
    default void aFormatTheKernelCannotDecompressIsDecompressedHereAndLoadedWithInitModule() throws Exception {
        startTheZstdKmodd();
        try {
            Guest.Result up = guest().sh("for i in $(seq 1 240); do curl -sf http://127.0.0.1:8081/q/health/live >/dev/null"
                    + " && exit 0; sleep 0.5; done; exit 1");
            assertThat(up.rc()).as("second kmodd up").isZero();
            guest().run("rmmod dummy 2>/dev/null; true");
            JsonPath job = new JsonPath(guest().run("curl -s -X POST 'http://127.0.0.1:8081/modules/dummy/load?wait=60s'"));
            assertThat(job.getString("state")).as(job.prettify()).isEqualTo("succeeded");
            List<String> calls = job.getList("events.findAll { it.type == 'attempt' }.data.call");
            assertThat(calls).containsExactly("init_module");
            assertThat(loaded("dummy")).isTrue();
        } finally {
            guest().run("kill $(cat /tmp/kmodd-zstd.pid) 2>/dev/null; rmmod dummy 2>/dev/null; true");
        }
        assertThat(loaded("dummy")).isFalse();
    }
}
