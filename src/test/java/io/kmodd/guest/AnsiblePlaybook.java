package io.kmodd.guest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real ansible-playbook (Debian's ansible-core) on this machine, running the shipped
 * deploy/ansible/site.yml as a user would, against a guest's kmodd through its forward on 127.0.0.1:
 * inventory {@code localhost,}, connection local, the variables from a file, the default callback's plain
 * output. Each run's variables and output stay in a directory under target/.
 */
final class AnsiblePlaybook {
    private static final Duration LIMIT = Duration.ofMinutes(5);
    private static final Pattern RECAP = Pattern.compile(
            "^localhost\\s+:\\s+ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+).*$", Pattern.MULTILINE);

    private final String kmoddUrl;
    private final String token;
    private final Path dir;
    private int runs;

    private AnsiblePlaybook(String kmoddUrl, String token, Path dir) {
        this.kmoddUrl = kmoddUrl;
        this.token = token;
        this.dir = dir;
    }

    /** Runs against the kmodd at {@code kmoddUrl} with an operator's token. */
    static AnsiblePlaybook against(String kmoddUrl, String token) throws IOException {
        return new AnsiblePlaybook(kmoddUrl, token, Files.createTempDirectory(Guest.project().resolve("target"), "ansible-"));
    }

    /** One run's exit code (0 ok, 2 a host failed) and everything it printed. */
    record Run(int exitCode, String output) {
        /** The host's PLAY RECAP line. */
        String recap() {
            return recapLine().group().strip();
        }

        int changed() {
            return Integer.parseInt(recapLine().group(2));
        }

        int failed() {
            return Integer.parseInt(recapLine().group(4));
        }

        private Matcher recapLine() {
            Matcher m = RECAP.matcher(output);
            if (!m.find()) {
                throw new AssertionError("no PLAY RECAP line for localhost in:\n" + output);
            }
            return m;
        }
    }

    /**
     * Runs site.yml with the role's variables {@code vars} (YAML; kmodd_url and kmodd_token are added) and
     * any further arguments ({@code --check}).
     */
    Run run(String vars, String... args) throws Exception {
        int n = ++runs;
        // Single-quoted: a token may start with '-', which YAML would read otherwise.
        Path varsFile = Files.writeString(dir.resolve("vars-" + n + ".yml"),
                "kmodd_url: '" + kmoddUrl + "'\nkmodd_token: '" + token + "'\n" + vars);
        Path log = dir.resolve("run-" + n + ".log");
        List<String> command = new ArrayList<>(List.of("ansible-playbook", "-i", "localhost,", "-c", "local",
                Guest.project().resolve("deploy/ansible/site.yml").toString(), "-e", "@" + varsFile));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("ANSIBLE_NOCOLOR", "1", "ANSIBLE_HOST_KEY_CHECKING", "False",
                "ANSIBLE_STDOUT_CALLBACK", "default", "ANSIBLE_PYTHON_INTERPRETER", "auto_silent",
                "ANSIBLE_LOCAL_TEMP", dir.resolve("tmp").toString()));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new AssertionError("ansible-playbook is missing: run deploy/dev/setup-debian.sh (Debian package ansible-core)", e);
        }
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("ansible-playbook still running after " + LIMIT + ":\n" + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log));
    }
}
