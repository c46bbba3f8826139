package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "load", description = {"Load a module (and its dependencies) with parameters KEY=VALUE, and wait for the outcome.",
        "A module already loaded with other values is refused (both sets are shown): reload it instead."})
final class LoadCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(index = "0", paramLabel = "MODULE")
    String module;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE")
    List<String> params = new ArrayList<>();

    @Option(names = "--wait", defaultValue = "60s", paramLabel = "DURATION",
            description = "How long to wait for the outcome (default ${DEFAULT-VALUE}); the load goes on after it")
    String wait;

    @Option(names = "--ignore-blacklist", description = "Load even if modprobe.d blacklists it (admin)")
    boolean ignoreBlacklist;

    @Override
    public Integer call() {
        Session s = root.session(ignoreBlacklist ? "admin" : "operator");
        String path = "modules/" + Names.path(module) + "/load?wait=" + Names.path(wait)
                + (ignoreBlacklist ? "&ignoreBlacklist=true" : "");
        Transport.Answer a = s.send("POST", path, Session.paramsBody(params));
        JsonNode answer = Session.parse(a.body());
        if (s.json) {
            s.printJson(answer);
        }
        if (answer.path("alreadyLoaded").asBoolean() && !answer.has("id")) {
            if (!s.json) {
                s.out.println(answer.path("module").asText() + ": already loaded" + (answer.path("builtin").asBoolean() ? " (built in)" : ""));
            }
            return ExitCodes.OK;
        }
        if (a.status() == 202) {
            throw new Failure(ExitCodes.TIMEOUT, module + ": still " + answer.path("state").asText() + " after " + wait
                    + "; see kmoddctl jobs --module " + module + " (job " + answer.path("id").asText() + ")");
        }
        if (!s.json) {
            s.out.println(answer.path("module").asText() + ": " + answer.path("outcome").asText() + " (job " + answer.path("id").asText() + ")");
        }
        return ExitCodes.OK;
    }
}
