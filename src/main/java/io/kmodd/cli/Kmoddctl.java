package io.kmodd.cli;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * kmoddctl: kmodd for a person at a shell. A plain JDK program (picocli for the command line, Jackson for
 * JSON, plain HTTP/1.1 over TCP or the Unix socket, the JDK's HTTP client for https), so that its start, paid on every call,
 * stays short. It talks to kmodd only through the REST API, never to the kernel.
 */
@Command(name = "kmoddctl", mixinStandardHelpOptions = true, versionProvider = Kmoddctl.Version.class,
        description = "Loads, patiently removes, reloads and inspects kernel modules through kmodd.",
        subcommands = {StatusCommand.class, ListCommand.class, ShowCommand.class, LoadCommand.class, UnloadCommand.class,
                ReloadCommand.class, JobsCommand.class, CancelCommand.class, PersistCommand.class},
        footerHeading = "%n", footer = {ExitCodes.HELP,
                "Environment: KMODD_URL (default http://127.0.0.1:8080), KMODD_SOCKET (kmodd's Unix socket instead),"
                        + " KMODD_TOKEN (else the tokens file, when readable: the least role the command needs).",
                "Output is plain lines when standard output is not a terminal; --json prints kmodd's JSON."})
public final class Kmoddctl {
    @Option(names = "--url", scope = ScopeType.INHERIT, paramLabel = "URL",
            description = "kmodd's address (default $KMODD_URL, else http://127.0.0.1:8080)")
    String url;

    @Option(names = "--socket", scope = ScopeType.INHERIT, paramLabel = "PATH",
            description = "Talk over kmodd's Unix domain socket instead of TCP (default $KMODD_SOCKET)")
    Path socket;

    @Option(names = "--tokens-file", scope = ScopeType.INHERIT, paramLabel = "FILE", defaultValue = "/etc/kmodd/tokens",
            description = "kmodd's tokens file, read when KMODD_TOKEN is unset (default: ${DEFAULT-VALUE})")
    Path tokensFile;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "Print kmodd's JSON (events as JSON lines)")
    boolean json;

    private final Map<String, String> env;
    private final PrintStream out;
    private final boolean tty;

    Kmoddctl(Map<String, String> env, PrintStream out, boolean tty) {
        this.env = env;
        this.out = out;
        this.tty = tty;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.getenv(), System.out, System.err, System.console() != null));
    }

    /** Runs one command line; the exit status. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err, boolean tty) {
        CommandLine cl = new CommandLine(new Kmoddctl(env, out, tty));
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof Failure f) {
                err.println("kmoddctl: " + f.getMessage());
                return f.exitCode();
            }
            throw e;
        });
        return cl.execute(args);
    }

    /** A session for a command that needs at least {@code leastRole} (viewer, operator, admin). */
    Session session(String leastRole) {
        Path sock = socket != null ? socket : Optional.ofNullable(env.get("KMODD_SOCKET")).filter(s -> !s.isBlank())
                .map(Path::of).orElse(null);
        Transport transport;
        String where;
        if (sock != null) {
            transport = PlainHttpTransport.unixSocket(sock);
            where = "unix:" + sock;
        } else {
            where = Optional.ofNullable(url).or(() -> Optional.ofNullable(env.get("KMODD_URL")).filter(s -> !s.isBlank()))
                    .orElse("http://127.0.0.1:8080");
            URI base;
            try {
                base = URI.create(where.endsWith("/") ? where : where + "/");
            } catch (IllegalArgumentException e) {
                throw new Failure(ExitCodes.USAGE, "--url must be a URL such as http://127.0.0.1:8080 (got " + where + ")");
            }
            if ("https".equalsIgnoreCase(base.getScheme())) {
                transport = new TlsTransport(base);
            } else if ("http".equalsIgnoreCase(base.getScheme()) && base.getHost() != null) {
                transport = PlainHttpTransport.tcp(base);
            } else {
                throw new Failure(ExitCodes.USAGE, "--url must be http://HOST:PORT or https://HOST:PORT, such as"
                        + " http://127.0.0.1:8080 (got " + where + ")");
            }
        }
        return new Session(transport, where, TokenSource.token(env, tokensFile, leastRole), json, out, tty);
    }

    /** The version: the jar's, as Maven wrote it. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Kmoddctl.class.getPackage().getImplementationVersion();
            return new String[] {"kmoddctl " + (v == null ? "(development build)" : v)};
        }
    }
}
