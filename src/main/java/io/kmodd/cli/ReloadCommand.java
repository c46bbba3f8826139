package io.kmodd.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "reload", description = {"Reload a module with parameters KEY=VALUE, as one job: the patient removal of unload,",
        "then the load. If the new load fails the module comes back with what it had; the outcome says so."})
final class ReloadCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(index = "0", paramLabel = "MODULE")
    String module;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE")
    List<String> params = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long the removal waits and retries")
    String timeout;

    @Option(names = "--with-holders", description = "First take down the unused modules that use it; bring them back after")
    boolean withHolders;

    @Override
    public Integer call() {
        Session s = root.session("operator");
        StringBuilder q = new StringBuilder();
        if (timeout != null) {
            q.append("&timeout=").append(Names.path(timeout));
        }
        if (withHolders) {
            q.append("&withHolders=true");
        }
        String path = "modules/" + Names.path(module) + "/reload" + (q.length() == 0 ? "" : "?" + q.substring(1));
        return Session.exitCode(s.followJob(path, Session.paramsBody(params), module));
    }
}
