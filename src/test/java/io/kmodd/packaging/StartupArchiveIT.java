package io.kmodd.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The package's launcher and archive maker on the JDKs of this machine, as the postinst and the unit use them:
 * make-archive makes the archive that fits the JDK (a class-data-sharing archive before 25, the ahead-of-time
 * cache from 25 on), kmodd-java --which names it, and kmodd started through kmodd-java maps it and answers.
 * The build host has its OpenJDK 17 and, where present, a JDK 25 (Temurin's, under /usr/lib/jvm); the guest
 * suite runs the same on Debian's OpenJDK 17, 21 and 25 under systemd.
 */
class StartupArchiveIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();
    private static final Path APP = PROJECT.resolve("target/quarkus-app");
    private static final Path JDK25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");

    private record Run(String out, int rc) {
    }

    private static Run run(Map<String, String> env, List<String> cmd) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(APP.toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("%s", cmd).isTrue();
        return new Run(out, p.exitValue());
    }

    @Test
    void eachJdkGetsItsOwnArchiveAndKmoddStartsWithIt(@TempDir Path cache) throws Exception {
        List<String> jdks = new ArrayList<>(List.of(Path.of("/usr/bin/java").toRealPath().toString()));
        if (Files.isExecutable(JDK25)) {
            jdks.add(JDK25.toString());
        } else {
            System.out.println("StartupArchiveIT: no JDK 25 at " + JDK25 + "; the AOT cache is checked in the guest only");
        }
        for (String java : jdks) {
            Map<String, String> env = Map.of("KMODD_JAVA", java, "KMODD_ARCHIVE_DIR", cache.toString());
            Run which = run(env, List.of("sh", PROJECT.resolve("deploy/debian/kmodd-java").toString(), "--which"));
            assertThat(which.rc()).as(which.out()).isZero();
            String[] w = which.out().strip().split(" ");
            assertThat(w).hasSize(3);
            assertThat(w[0]).isEqualTo(java);
            int feature = Integer.parseInt(w[1]);
            Path archive = Path.of(w[2]);
            assertThat(archive.getFileName().toString()).isEqualTo(feature >= 25 ? "app.aot" : "app-cds.jsa");

            long t0 = System.nanoTime();
            Run made = run(env, List.of("bash", PROJECT.resolve("deploy/debian/make-archive").toString(), archive.toString()));
            assertThat(made.rc()).as(made.out()).isZero();
            assertThat(Files.size(archive)).isGreaterThan(10L << 20);
            try (var left = Files.list(cache)) {
                assertThat(left.map(p -> p.getFileName().toString())).as("nothing half-made left beside it")
                        .containsExactly(archive.getFileName().toString());
            }
            System.out.printf("StartupArchiveIT: JDK %d (%s): %s, %d MiB, made in %.1f s%n", feature, java,
                    archive.getFileName(), Files.size(archive) >> 20, (System.nanoTime() - t0) / 1e9);
            startsWith(env, archive, feature);
            Files.delete(archive);
        }
    }

    /** kmodd started through kmodd-java maps {@code archive}, logs no archive warning, and answers. */
    private static void startsWith(Map<String, String> env, Path archive, int feature) throws Exception {
        int port;
        try (var s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("kmodd-archive", ".log");
        ProcessBuilder pb = new ProcessBuilder("sh", PROJECT.resolve("deploy/debian/kmodd-java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port, "-Dkmodd.auth.enabled=false", "-Dkmodd.jobs.journal=none",
                "-Dkmodd.params.record-file=" + log + ".lw", "-Dkmodd.persistence.modules-load-file=" + log + ".ml",
                "-Dkmodd.persistence.modprobe-file=" + log + ".mp", "-jar", "quarkus-run.jar")
                .directory(APP.toFile()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            HttpRequest live = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/live"))
                    .timeout(Duration.ofSeconds(5)).build();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (true) {
                assertThat(p.isAlive()).as("kmodd exited: %s", Files.readString(log)).isTrue();
                try {
                    if (http.send(live, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        break;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                assertThat(System.nanoTime()).as("kmodd live within 2 min: %s", Files.readString(log)).isLessThan(deadline);
                Thread.sleep(50);
            }
            double ready = (System.nanoTime() - t0) / 1e9;
            // The JVM kmodd-java started is kmodd's process itself (exec), and it has the archive mapped.
            String maps = Files.readString(Path.of("/proc/" + p.pid() + "/maps"));
            assertThat(maps).as("JDK %d maps %s", feature, archive).contains(archive.toString());
            assertThat(Files.readString(log)).doesNotContain("[aot").doesNotContain("shared archive");
            System.out.printf("StartupArchiveIT: JDK %d: live %.2f s after the start, with %s%n", feature, ready,
                    archive.getFileName());
        } finally {
            p.destroy();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        }
    }
}
