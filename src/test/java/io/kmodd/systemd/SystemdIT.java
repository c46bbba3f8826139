package io.kmodd.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The packaged daemon under a stand-in for systemd's notify socket (a datagram socket made by python3),
 * and the unit file under systemd-analyze.
 */
class SystemdIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s:\n%s", cmd, out).isZero();
        return out;
    }

    @Test
    void theUnitVerifiesAndItsExposureIsAtMostTwo() throws Exception {
        String unit = PROJECT.resolve("systemd/kmodd.service").toString();
        // verify checks that ExecStart's program exists: on a build host the package's launcher is not
        // installed, so a copy of the unit names the launcher in the source tree (the package ships that file,
        // DebianPackageIT; the installed unit is verified in the guest). Everything else is the unit as shipped.
        Path copy = Files.createTempDirectory("kmodd-unit").resolve("kmodd.service");
        String text = Files.readString(Path.of(unit));
        assertThat(text).contains("ExecStart=/usr/lib/kmodd/kmodd-java ");
        Files.writeString(copy, text.replace("ExecStart=/usr/lib/kmodd/kmodd-java ",
                "ExecStart=" + PROJECT.resolve("deploy/debian/kmodd-java") + " "));
        run(List.of("systemd-analyze", "verify", copy.toString()));
        String security = run(List.of("systemd-analyze", "security", "--offline=true", "--no-pager", unit));
        Matcher m = Pattern.compile("Overall exposure level for kmodd.service: ([0-9.]+)").matcher(security);
        assertThat(m.find()).as(security).isTrue();
        assertThat(Double.parseDouble(m.group(1))).isLessThanOrEqualTo(2.0);
    }

    @Test
    void tellsSystemdItIsReadyAndPingsTheWatchdog() throws Exception {
        Path dir = Files.createTempDirectory("kmodd-notify");
        Path sock = dir.resolve("notify.sock");
        Path received = dir.resolve("received");
        String listener = "import socket,sys,time\n"
                + "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM); s.bind(sys.argv[1]); s.settimeout(1)\n"
                + "out=open(sys.argv[2],'w'); end=time.time()+60\n"
                + "while time.time()<end:\n"
                + "  try: out.write(s.recv(4096).decode().replace('\\n',' | ')+'\\n'); out.flush()\n"
                + "  except socket.timeout: pass\n";
        Process py = new ProcessBuilder("python3", "-c", listener, sock.toString(), received.toString()).start();
        Process kmodd = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(sock) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            ProcessBuilder pb = new ProcessBuilder("java", "-Dkmodd.auth.enabled=false", "-Dkmodd.jobs.journal=none",
                    "-Dquarkus.http.port=" + port, "-jar", PROJECT.resolve("target/quarkus-app/quarkus-run.jar").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("kmodd.log").toFile());
            pb.environment().put("NOTIFY_SOCKET", sock.toString());
            pb.environment().put("WATCHDOG_USEC", "400000");
            kmodd = pb.start();
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            String got = "";
            while (System.nanoTime() < deadline) {
                got = Files.exists(received) ? Files.readString(received) : "";
                if (got.contains("READY=1") && got.split("WATCHDOG=1", -1).length > 3) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(got).contains("READY=1").contains("STATUS=");
            assertThat(got.split("WATCHDOG=1", -1).length - 1).isGreaterThanOrEqualTo(3);
            kmodd.destroy();
            assertThat(kmodd.waitFor(30, TimeUnit.SECONDS)).isTrue();
            Thread.sleep(1500);
            assertThat(Files.readString(received)).contains("STOPPING=1");
        } finally {
            if (kmodd != null) {
                kmodd.destroyForcibly();
            }
            py.destroyForcibly();
        }
    }
}
