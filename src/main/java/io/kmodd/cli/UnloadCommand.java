package io.kmodd.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "unload", description = {"Remove a module patiently: wait for its refcount to drop, retry while the kernel",
        "refuses, give up at the timeout. Shows the live progress and what holds it; Ctrl-C leaves the job running",
        "(kmoddctl cancel JOB stops it)."})
final class UnloadCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(paramLabel = "MODULE")
    String module;

    @Option(names = "--timeout", paramLabel = "DURATION", description = "How long to wait and retry (500ms, 10s, 2m; 0 is one attempt)")
    String timeout;

    @Option(names = "--force", description = "delete_module with O_TRUNC: removes it even in use and taints the kernel (admin)")
    boolean force;

    @Option(names = "--remove-dependencies", description = "Afterwards remove the dependencies nothing else uses, as modprobe -r")
    boolean removeDependencies;

    @Override
    public Integer call() {
        Session s = root.session(force ? "admin" : "operator");
        StringBuilder q = new StringBuilder();
        if (timeout != null) {
            q.append("&timeout=").append(Names.path(timeout));
        }
        if (force) {
            q.append("&force=true");
        }
        if (removeDependencies) {
            q.append("&removeDependencies=true");
        }
        String path = "modules/" + Names.path(module) + "/unload" + (q.length() == 0 ? "" : "?" + q.substring(1));
        return Session.exitCode(s.followJob(path, null, module));
    }
}
