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

    private final Boot boot;

    /** How the guest boots, and so who starts kmodd. */
    public enum Boot {
        /** This machine's root, read-only, as a chroot; kmodd started by hand with java -jar. */
        CHROOT("test", ""),
        /** systemd as PID 1 on an overlay root writable in RAM; kmodd not installed until a test installs it. */
        SYSTEMD("systemd", "-systemd");

        final String mode;
        final String suffix;

        Boot(String mode, String suffix) {
            this.mode = mode;
            this.suffix = suffix;
        }
    }

    /** Set once the guest is up: a kernel that dies after that is a finding, never booted again. */
    private boolean booted;

    private Guest(Process qemu, Path out, int kmoddPort, int agentPort, Boot boot) {
        this.boot = boot;
        this.qemu = qemu;
        this.out = out;
        this.kmoddPort = kmoddPort;
        this.agentPort = agentPort;
    }

    /** The userland the guest boots, and so the JDK, libkmod and systemd kmodd meets. */
    public enum Userland {
        /** This machine's own root (Debian 12), with its installed kernels. */
        DEBIAN12("", null),
        /** A Debian 13 root made from Debian's packages by make-root.sh, with its own kernels. */
        DEBIAN13("-debian13", "trixie");

        final String suffix;
        final String suite;

        Userland(String suffix, String suite) {
            this.suffix = suffix;
            this.suite = suite;
        }

        /** The root filesystem's path on this machine, made (once per machine) when it is not there. */
        Path root(Path project, Path log) throws Exception {
            if (suite == null) {
                return Path.of("/");
            }
            Process p = new ProcessBuilder("sh", project.resolve("src/test/guest/make-root.sh").toString(), suite)
                    .redirectError(log.toFile()).start();
            String path = new String(p.getInputStream().readAllBytes()).strip();
            if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0 || path.isEmpty()) {
                p.destroyForcibly();
                throw new IllegalStateException("cannot make the " + suite + " root (make-root.sh): " + read(log));
            }
            return Path.of(path);
        }
    }

    /**
     * Boots a guest on Debian 12's installed kernel of {@code series} (6.1, 6.12) and waits until kmodd
     * answers its liveness check.
     */
    public static Guest boot(String series, Boot boot) throws Exception {
        return boot(series, boot, Userland.DEBIAN12);
    }

    /**
     * Boots a guest of {@code userland} on its kernel of {@code series} (6.1, 6.12, 7 for the newest 7.x) and
     * waits until kmodd answers its liveness check, or under systemd until the guest's agent answers.
     */
    public static Guest boot(String series, Boot boot, Userland userland) throws Exception {
        Path project = project();
        Path out = project.resolve("target/guest-" + series + boot.suffix + userland.suffix);
        Files.createDirectories(out);
        for (String report : crashReports(out)) {
            Files.delete(out.resolve(report));
        }
        Path root = userland.root(project, out.resolve("make-root.log"));
        try {
            return start(project, out, series, boot, root);
        } catch (DiedBooting e) {
            // Under TCG with two vCPUs, a host busy enough can break the kernel's own code patching during boot
            // (seen once on 7.3.4: "Oops: int3" in sched_clock_tick, before userspace started): the emulator's
            // fault, not the kernel's or kmodd's. Such a boot is made once more; a second death fails the target.
            Path first = out.resolve("console-died-booting.log");
            Files.copy(out.resolve("console.log"), first, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            System.out.println("guest " + series + boot.suffix + userland.suffix + ": the kernel died while booting ("
                    + e.oops + "; console in " + first + "); booting it once more");
            return start(project, out, series, boot, root);
        }
    }

    private static Guest start(Path project, Path out, String series, Boot boot, Path root) throws Exception {
        int kport = freePort();
        int aport = freePort();
        Process p = new ProcessBuilder("sh", project.resolve("src/test/guest/run-guest.sh").toString(), boot.mode,
                Integer.toString(kport), Integer.toString(aport), out.toString(), series, root.toString())
                .redirectErrorStream(true)
                .redirectOutput(out.resolve("qemu.log").toFile())
                .start();
        Guest g = new Guest(p, out, kport, aport, boot);
        try {
            if (boot == Boot.SYSTEMD) {
                g.awaitAgent(Duration.ofMinutes(4));
            } else {
                g.awaitUp(Duration.ofMinutes(4));
            }
        } catch (Exception e) {
            g.close();
            throw e;
        }
        g.booted = true;
        return g;
    }

    /** The guest's kernel oopsed or panicked before the guest was up: its console's first such line. */
    static final class DiedBooting extends IllegalStateException {
        final String oops;

        DiedBooting(String message, String oops) {
            super(message);
            this.oops = oops;
        }
    }

    /** A free TCP port on the loopback address. */
    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The project directory, at the same path on the host and in the guest. */
    static Path project() {
        return Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();
    }

    private void assertRunning() {
        if (!qemu.isAlive()) {
            String console = read(out.resolve("console.log"));
            String message = "the guest exited (" + qemu.exitValue() + "): " + read(out.resolve("qemu.log"))
                    + "\nconsole:\n" + console;
            java.util.Optional<String> oops = console.lines()
                    .filter(l -> l.contains("Oops:") || l.contains("Kernel panic") || l.contains("BUG:")).findFirst();
            if (!booted && oops.isPresent()) {
                throw new DiedBooting(message, oops.get().strip());
            }
            throw new IllegalStateException(message);
        }
    }

    /** Waits until the guest's command agent answers (systemd has booted the guest). */
    public void awaitAgent(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            assertRunning();
            try {
                if (sh("true", Duration.ofSeconds(10)).rc() == 0) {
                    return;
                }
            } catch (IOException e) {
                // Not up yet.
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the guest's agent did not answer within " + limit + "; console:\n"
                + read(out.resolve("console.log")));
    }

    /** Waits until kmodd answers its liveness check (after boot, or after a restart). */
    public void awaitUp(Duration limit) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            assertRunning();
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
        String log;
        try {
            log = boot == Boot.SYSTEMD ? run("journalctl -u kmodd --no-pager | tail -40") : read(out.resolve("kmodd.log"));
        } catch (IOException | RuntimeException e) {
            log = "(unreadable: " + e + ")";
        }
        throw new IllegalStateException("kmodd did not come up in the guest within " + limit + "; console:\n"
                + read(out.resolve("console.log")) + "\nkmodd's log:\n" + log);
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
        return sh(script, Duration.ofMinutes(5));
    }

    /** As {@link #sh(String)}, waiting at most {@code timeout} for it. */
    Result sh(String script, Duration timeout) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        HttpResponse<String> r;
        try {
            r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agentPort + "/cgi-bin/sh"))
                    .timeout(timeout).POST(HttpRequest.BodyPublishers.ofString(script)).build(),
                    HttpResponse.BodyHandlers.ofString());
        } finally {
            ScenarioCost.command(System.nanoTime() - t0);
        }
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

    /** A file the guest wrote into the results share (target/guest-SERIES on the host), or a note that it did not. */
    public String hostCopy(String name) {
        return read(out.resolve(name));
    }

    /** The JVM crash reports (hs_err files) the guest's JVMs wrote into the results share. */
    public java.util.List<String> crashReports() throws IOException {
        return crashReports(out);
    }

    private static java.util.List<String> crashReports(Path out) throws IOException {
        try (var files = Files.list(out)) {
            return files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("hs_err_")).sorted().toList();
        }
    }

    /** Where the results share is inside the guest. */
    public String outDir() {
        return boot == Boot.SYSTEMD ? "/kmodd-out" : "/tmp/out";
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
