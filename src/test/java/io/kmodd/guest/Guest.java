package io.kmodd.guest;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway QEMU guest running the real kernel with the packaged kmodd inside, started by
 * src/test/guest/run-guest.sh. The host reaches kmodd and the guest's command agent through QEMU
 * forwards bound to 127.0.0.1. One guest serves a whole test class.
 */
public final class Guest implements AutoCloseable {
    private final Process qemu;
    private final Path out;
    private final int kmoddPort;
    private final int agentPort;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Guest(Process qemu, Path out, int kmoddPort, int agentPort) {
        this.qemu = qemu;
        this.out = out;
        this.kmoddPort = kmoddPort;
        this.agentPort = agentPort;
    }

    /**
     * Boots a guest on the installed Debian kernel of {@code series} (6.1, 6.12) and waits until kmodd
     * answers its liveness check.
     */
    public static Guest boot(String series) throws Exception {
        Path project = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();
        Path out = project.resolve("target/guest-" + series);
        Files.createDirectories(out);
        int kport = freePort();
        int aport = freePort();
        Process p = new ProcessBuilder("sh", project.resolve("src/test/guest/run-guest.sh").toString(), "test",
                Integer.toString(kport), Integer.toString(aport), out.toString(), series)
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("qemu.log").toFile())
                .start();
        Guest g = new Guest(p, out, kport, aport);
        try {
            g.awaitUp(Duration.ofMinutes(4));
        } catch (Exception e) {
            g.close();
            throw e;
        }
        return g;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until kmodd answers its liveness check (after boot, or after a restart). */
    public void awaitUp(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (!qemu.isAlive()) {
                throw new IllegalStateException("the guest exited (" + qemu.exitValue() + "): "
                        + read(out.resolve("qemu.log")) + "\nconsole:\n" + read(out.resolve("console.log")));
            }
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(kmoddUrl() + "/q/health/live"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not up yet.
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("kmodd did not come up in the guest within " + limit + "; console:\n"
                + read(out.resolve("console.log")) + "\nkmodd.log:\n" + read(out.resolve("kmodd.log")));
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(no " + p.getFileName() + ")";
        }
    }

    public String kmoddUrl() {
        return "http://127.0.0.1:" + kmoddPort;
    }

    public int kmoddPort() {
        return kmoddPort;
    }

    /** What a shell command printed in the guest, and its exit code. */
    public record Result(String output, int rc) {
        public String out() {
            return output.strip();
        }
    }

    /** Runs a shell script as root inside the guest. */
    public Result sh(String script) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/cgi-bin/sh"))
                .timeout(Duration.ofMinutes(5)).POST(HttpRequest.BodyPublishers.ofString(script)).build(),
                HttpResponse.BodyHandlers.ofString());
        String body = r.body();
        int idx = body.lastIndexOf("__rc=");
        if (idx < 0) {
            throw new IOException("the guest agent answered " + r.statusCode() + " without an exit code: " + body);
        }
        return new Result(body.substring(0, idx), Integer.parseInt(body.substring(idx + 5).strip()));
    }

    /** Like {@link #sh} but fails unless the script exits 0. */
    public String run(String script) throws IOException, InterruptedException {
        Result r = sh(script);
        if (r.rc() != 0) {
            throw new AssertionError("guest command failed (" + r.rc() + "): " + script + "\n" + r.output());
        }
        return r.out();
    }

    /** The guest kmodd's token for a role (viewer, operator, admin). */
    public String token(String role) throws IOException, InterruptedException {
        return run("awk '$2==\"" + role + "\"{print $3}' /tmp/kmodd/tokens");
    }

    /** Kills kmodd with SIGKILL, as a crash would, and starts it again. */
    public void restartKmodd() throws Exception {
        restartKmodd("-9");
    }

    /**
     * Stops kmodd with SIGTERM, as systemctl stop does, and starts it again; returns the seconds it took to
     * exit.
     */
    public double stopAndStartKmodd() throws Exception {
        String took = run("t0=$(date +%s%N); pkill -TERM -f quarkus-run.jar; while pgrep -f quarkus-run.jar >/dev/null;"
                + " do sleep 0.1; done; echo $(( ($(date +%s%N) - t0) / 1000000 ))");
        restartKmodd("-0");
        return Long.parseLong(took.strip()) / 1000.0;
    }

    private void restartKmodd(String signal) throws Exception {
        Path project = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();
        run("pkill " + signal + " -f quarkus-run.jar; while pgrep -f quarkus-run.jar >/dev/null; do sleep 0.1; done; sh "
                + project.resolve("src/test/guest/start-kmodd.sh"));
        awaitUp(Duration.ofMinutes(3));
    }

    public String kmoddLog() {
        return read(out.resolve("kmodd.log"));
    }

    @Override
    public void close() throws Exception {
        try {
            sh("sync; poweroff -f >/dev/null 2>&1 &");
        } catch (IOException | RuntimeException e) {
            // Already gone or unreachable: destroy it below.
        }
        if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
            qemu.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
