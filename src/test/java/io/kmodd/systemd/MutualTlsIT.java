package io.kmodd.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Optional mutual TLS for remote callers, by configuration only: the packaged daemon with a server
 * certificate, a trust store of client certificates, client-auth=required and plain HTTP off. Bearer
 * tokens still decide the role; the certificate decides who may connect at all.
 */
class MutualTlsIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();

    private static Process start(Path dir, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    }

    private static Process startLogged(Path dir, List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("kmodd.log").toFile()).start();
    }

    private static String run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = start(dir, List.of(cmd));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(60, TimeUnit.SECONDS);
        if (p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed:\n" + out);
        }
        return out;
    }

    private static int curl(Path dir, String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 3];
        cmd[0] = "curl";
        cmd[1] = "-s";
        cmd[2] = "-o/dev/null";
        System.arraycopy(args, 0, cmd, 3, args.length);
        Process p = start(dir, List.of(cmd));
        p.getInputStream().readAllBytes();
        p.waitFor(30, TimeUnit.SECONDS);
        return p.exitValue();
    }

    @Test
    void onlyCallersWithATrustedCertificateConnect() throws Exception {
        Path dir = Files.createTempDirectory("kmodd-mtls");
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", "server.key", "-out", "server.crt");
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=ansible",
                "-keyout", "client.key", "-out", "client.crt");
        run(dir, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=stranger",
                "-keyout", "other.key", "-out", "other.crt");
        run(dir, "keytool", "-importcert", "-noprompt", "-alias", "ansible", "-file", "client.crt",
                "-keystore", "clients.p12", "-storetype", "PKCS12", "-storepass", "changeit");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Process kmodd = startLogged(dir, List.of("java", "-Dkmodd.auth.enabled=false", "-Dkmodd.jobs.journal=none",
                "-Dquarkus.http.ssl-port=" + port, "-Dquarkus.http.insecure-requests=disabled",
                "-Dquarkus.http.ssl.certificate.files=server.crt", "-Dquarkus.http.ssl.certificate.key-files=server.key",
                "-Dquarkus.http.ssl.certificate.trust-store-file=clients.p12",
                "-Dquarkus.http.ssl.certificate.trust-store-password=changeit", "-Dkmodd.auth.require-client-certificate=true",
                "-jar", PROJECT.resolve("target/quarkus-app/quarkus-run.jar").toString()));
        try {
            String url = "https://localhost:" + port + "/modules";
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int rc;
            while ((rc = curl(dir, "-f", "--cacert", "server.crt", "--cert", "client.crt", "--key", "client.key", url)) != 0
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(rc).as("a trusted client certificate is let in; kmodd.log:\n%s",
                    Files.readString(dir.resolve("kmodd.log"))).isZero();
            assertThat(curl(dir, "-f", "--cacert", "server.crt", url)).as("no client certificate").isNotZero();
            assertThat(curl(dir, "-f", "--cacert", "server.crt", "--cert", "other.crt", "--key", "other.key", url))
                    .as("an untrusted client certificate").isNotZero();
        } finally {
            kmodd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
