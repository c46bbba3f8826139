package io.kmodd.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The .deb that ./mvnw package builds: its contents, control data, maintainer scripts and lintian. */
class DebianPackageIT {
    private static final Path PROJECT = Path.of(System.getProperty("kmodd.project.dir", ".")).toAbsolutePath();

    private static Path deb() throws IOException {
        try (var files = Files.list(PROJECT.resolve("target"))) {
            return files.filter(p -> p.getFileName().toString().matches("kmodd_.*_amd64\\.deb")).findFirst()
                    .orElseThrow(() -> new AssertionError("no kmodd_*_amd64.deb in target/"));
        }
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        return new Result(out, p.exitValue());
    }

    private record Result(String out, int rc) {
    }

    @Test
    void containsTheAppTheUnitAndTheConfig() throws Exception {
        Result c = run(List.of("dpkg-deb", "-c", deb().toString()));
        assertThat(c.rc()).isZero();
        assertThat(c.out()).contains("./usr/lib/kmodd/quarkus-run.jar", "./usr/lib/kmodd/app/kmodd-",
                "./lib/systemd/system/kmodd.service", "./etc/kmodd/application.properties",
                "./usr/lib/kmodd/config -> /etc/kmodd", "./usr/share/doc/kmodd/copyright",
                "./usr/share/kmodd/see-processes.conf", "./usr/lib/kmodd/kmoddctl.jar");
        assertThat(c.out()).containsPattern("-rwxr-xr-x root/root +\\d+ [-0-9]+ [0-9:]+ \\./usr/bin/kmoddctl\\n");
        // The postinst's archive maker; the build's archive is not shipped (it fits only the build's JDK).
        assertThat(c.out()).containsPattern("-rwxr-xr-x root/root +\\d+ [-0-9]+ [0-9:]+ \\./usr/lib/kmodd/make-archive\\n");
        // The unit's launcher: it picks the JDK and the archive made for it.
        assertThat(c.out()).containsPattern("-rwxr-xr-x root/root +\\d+ [-0-9]+ [0-9:]+ \\./usr/lib/kmodd/kmodd-java\\n");
        assertThat(c.out()).doesNotContain("app-cds.jsa");
        assertThat(c.out()).doesNotContain("./etc/kmodd/tokens");
        Result info = run(List.of("dpkg-deb", "-I", deb().toString()));
        assertThat(info.out()).contains("Package: kmodd", "Architecture: amd64", "libkmod2", "default-jre-headless (>= 2:1.17) | java-runtime-headless (>= 17)",
                "postinst", "prerm", "postrm", "conffiles", "triggers");
        Result unit = run(List.of("sh", "-c", "dpkg-deb --fsys-tarfile " + deb() + " | tar -xO ./lib/systemd/system/kmodd.service"));
        assertThat(unit.out()).isEqualTo(Files.readString(PROJECT.resolve("systemd/kmodd.service")));
    }

    @Test
    void postinstMakesAPrivateTokenOnceAndKeepsAnExistingOne() throws Exception {
        Path dir = Files.createTempDirectory("kmodd-deb");
        Result x = run(List.of("dpkg-deb", "-e", deb().toString(), dir.resolve("control").toString()));
        assertThat(x.rc()).as(x.out()).isZero();
        // A private mount namespace with a tmpfs over /etc/kmodd: the real /etc is never touched.
        String script = "mount -t tmpfs tmpfs /etc/kmodd 2>/dev/null || { mkdir -p /etc/kmodd && mount -t tmpfs tmpfs /etc/kmodd; }"
                + " && mkdir -p /etc/modules-load.d /etc/modprobe.d && mount -t tmpfs tmpfs /etc/modules-load.d"
                + " && mount -t tmpfs tmpfs /etc/modprobe.d"
                + " && sh " + dir.resolve("control/postinst") + " configure"
                + " && stat -c '%a' /etc/kmodd/tokens && awk '$2==\"admin\"{print length($3)}' /etc/kmodd/tokens"
                + " && cp /etc/kmodd/tokens /tmp/kmodd-deb-first && sh " + dir.resolve("control/postinst") + " configure"
                + " && cmp /etc/kmodd/tokens /tmp/kmodd-deb-first && echo kept"
                + " && readlink /etc/modules-load.d/kmodd.conf && readlink /etc/modprobe.d/kmodd.conf";
        Result r = run(List.of("unshare", "--mount", "--propagation", "private", "sh", "-c", script));
        assertThat(r.rc()).as(r.out()).isZero();
        assertThat(r.out()).contains("600\n").contains("43\n").contains("kept")
                .contains("/var/lib/kmodd/modules-load.conf").contains("/var/lib/kmodd/modprobe.conf");
    }

    @Test
    void lintianFindsNothingWithoutAReason() throws Exception {
        Result r;
        try {
            r = run(List.of("lintian", deb().toString()));
        } catch (IOException e) {
            throw new AssertionError("lintian is missing: run deploy/dev/setup-debian.sh", e);
        }
        assertThat(r.rc()).as(r.out()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("E:") || l.startsWith("W:")).toList()).isEmpty();
    }
}
