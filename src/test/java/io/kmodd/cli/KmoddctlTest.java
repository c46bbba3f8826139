package io.kmodd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** kmoddctl against the daemon's real HTTP layer over the simulated kernel: output, progress and exit statuses. */
@QuarkusTest
class KmoddctlTest {
    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;

    record Result(int code, String out, String err) {
    }

    @BeforeEach
    void reset() {
        kernel.reset();
        kernel.define("loop");
    }

    private Result run(boolean tty, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Kmoddctl.run(args, Map.of("KMODD_URL", "http://127.0.0.1:" + RestAssured.port),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), tty);
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Result run(String... args) {
        return run(false, args);
    }

    @Test
    void listAndShowPrintTheKernelsView() {
        kernel.loadedByOther("loop", Map.of("max_loop", "4"));
        kernel.setUsers("loop", 1);
        Result list = run("list");
        assertThat(list.code()).isZero();
        assertThat(list.out()).startsWith("MODULE  STATE  REFCNT  SIZE  USED BY").contains("\nloop    live   1       4096");
        Result show = run("show", "loop");
        assertThat(show.code()).as(show.err()).isZero();
        assertThat(show.out()).contains("refcnt:     1", "parameters: max_loop=4", "held by:    refcnt 1");
        assertThat(run("show", "xfs").code()).isEqualTo(ExitCodes.FAILED);
    }

    @Test
    void loadSaysWhatHappenedAndAConflictShowsBothSets() {
        Result load = run("load", "loop", "max_loop=4");
        assertThat(load.code()).as(load.err()).isZero();
        assertThat(load.out()).startsWith("loop: loaded loop with max_loop=4 (job ");
        assertThat(run("load", "loop").out()).isEqualTo("loop: already loaded\n");
        Result conflict = run("load", "loop", "max_loop=8");
        assertThat(conflict.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(conflict.err()).contains("kmoddctl: loop is loaded with max_loop=4", "requested: max_loop=8", "live:      max_loop=4");
        assertThat(run("load", "loop", "junk").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("load").code()).isEqualTo(ExitCodes.USAGE);
        assertThat(run("frobnicate").code()).isEqualTo(ExitCodes.USAGE);
    }

    @Test
    void unloadStreamsPlainLinesAndExitsByTheOutcome() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        kernel.setUsers("loop", 1);
        Result timedOut = run("unload", "loop", "--timeout", "300ms");
        assertThat(timedOut.code()).isEqualTo(ExitCodes.TIMEOUT);
        assertThat(timedOut.out()).contains("refcnt: refcnt of loop is 1\n", "outcome: still in use: refcnt 1 after 300ms");
        kernel.setUsers("loop", 0);
        Result done = run("unload", "loop", "--timeout", "5s");
        assertThat(done.code()).as(done.err()).isZero();
        assertThat(done.out()).contains("attempt: delete_module loop: OK\n", "outcome: removed loop");
        Result gone = run("unload", "loop");
        assertThat(gone.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(gone.err()).isEqualTo("kmoddctl: loop is not loaded\n");
    }

    @Test
    void onATerminalTheProgressIsOneUpdatingLineThenTheOutcome() {
        kernel.loadedByOther("loop", Map.of("max_loop", "4"));
        Result r = run(true, "reload", "loop", "max_loop=8", "--timeout", "5s");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("\r\033[2K").endsWith("loop: succeeded: reloaded loop with max_loop=8\n");
        assertThat(r.out().chars().filter(c -> c == '\n').count()).isEqualTo(1);
        assertThat(kernel.paramsOf("loop")).containsEntry("max_loop", "8");
    }

    @Test
    void jsonIsKmoddsOwnAndEventsAreJsonLines() throws Exception {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        Result list = run("--json", "list");
        assertThat(Session.JSON.readTree(list.out()).get(0).path("name").asText()).isEqualTo("loop");
        Result unload = run("unload", "loop", "--json");
        assertThat(unload.code()).isZero();
        String[] lines = unload.out().split("\n");
        for (String l : lines) {
            assertThat(Session.JSON.readTree(l).has("type")).as(l).isTrue();
        }
        JsonNode last = Session.JSON.readTree(lines[lines.length - 1]);
        assertThat(last.path("type").asText()).isEqualTo("outcome");
        Result jobs = run("jobs", "--module", "loop", "--json");
        assertThat(Session.JSON.readTree(jobs.out()).get(0).path("operation").asText()).isEqualTo("unload");
    }

    @Test
    void jobsCancelAndPersistSpeakPlainly() {
        kernel.loadedByOther("loop", ModuleState.LIVE);
        run("unload", "loop");
        Result jobs = run("jobs");
        assertThat(jobs.out()).startsWith("JOB").contains("loop", "unload", "succeeded", "removed loop");
        Result cancel = run("cancel", "0190e4b2-0000-7000-8000-000000000000");
        assertThat(cancel.code()).isEqualTo(ExitCodes.FAILED);
        assertThat(run("persist", "loop", "max_loop=8").out()).isEqualTo("loop: persisted, loaded at boot, with max_loop=8\n");
        assertThat(run("persist").out()).contains("loop", "load", "max_loop=8", "no");
        assertThat(run("persist", "loop", "--remove").out()).isEqualTo("loop: no longer persisted\n");
    }

    @Test
    void anUnreachableKmoddIsItsOwnExitStatus() {
        Result r = run("--url", "http://127.0.0.1:1", "list");
        assertThat(r.code()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(r.err()).startsWith("kmoddctl: cannot reach kmodd at http://127.0.0.1:1");
        Result notHttp = run("--url", "ftp://127.0.0.1:8080", "list");
        assertThat(notHttp.code()).isEqualTo(ExitCodes.USAGE);
        assertThat(notHttp.err()).contains("--url must be http://HOST:PORT or https://HOST:PORT", "(got ftp://127.0.0.1:8080)");
        assertThat(run("--help").out()).contains("Exit status: 0 done; 1 refused or failed", "KMODD_TOKEN");
    }
}
