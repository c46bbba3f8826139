package io.kmodd.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The packaged daemon on a Unix domain socket only, for hosts where no TCP port should be open. */
class UnixSocketIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();

    @Test
    void servesOverAUnixSocketWithNoTcpPort() throws Exception {
        Path dir = Files.createTempDirectory("kmodd-sock");
        Path sock = dir.resolve("kmodd.sock");
        Process kmodd = new ProcessBuilder("java", "-Dkmodd.auth.enabled=false", "-Dkmodd.jobs.journal=none",
                "-Dquarkus.vertx.prefer-native-transport=true", "-Dquarkus.http.domain-socket-enabled=true",
                "-Dquarkus.http.domain-socket=" + sock, "-Dquarkus.http.host-enabled=false",
                "-jar", PROJECT.resolve("target/quarkus-app/quarkus-run.jar").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("kmodd.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String body = "";
            while (System.nanoTime() < deadline) {
                Process curl = new ProcessBuilder("curl", "-sf", "--unix-socket", sock.toString(),
                        "http://localhost/modules").redirectErrorStream(true).start();
                body = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (curl.waitFor() == 0) {
                    break;
                }
                Thread.sleep(200);
            }
            assertThat(body).startsWith("[");
            // kmoddctl, as packaged (target/kmoddctl.jar), over the same socket.
            Process ctl = new ProcessBuilder("java", "-jar", PROJECT.resolve("target/kmoddctl.jar").toString(),
                    "--socket", sock.toString(), "--json", "list").redirectErrorStream(true).start();
            String listed = new String(ctl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(ctl.waitFor()).as(listed).isZero();
            assertThat(listed.strip()).startsWith("[").endsWith("]");
            Process missing = new ProcessBuilder("java", "-jar", PROJECT.resolve("target/kmoddctl.jar").toString(),
                    "--socket", sock.toString(), "unload", "no_such_module").redirectErrorStream(true).start();
            String refused = new String(missing.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(missing.waitFor()).as(refused).isEqualTo(1);
            assertThat(refused).startsWith("kmoddctl: ");
            assertThat(Files.readString(dir.resolve("kmodd.log"))).contains("Listening on: unix:" + sock)
                    .doesNotContain("http://");
        } finally {
            kmodd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
