package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

@Command(name = "jobs", description = "Jobs, newest first: loads, removals and reloads, with their outcome.")
final class JobsCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Option(names = "--module", paramLabel = "MODULE", description = "Only this module's")
    String module;

    @Option(names = "--state", paramLabel = "STATE", description = "queued, waiting, running, succeeded, failed or cancelled")
    String state;

    @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "At most N (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() {
        Session s = root.session("viewer");
        String q = "jobs?limit=" + limit + (module == null ? "" : "&module=" + Names.path(module))
                + (state == null ? "" : "&state=" + Names.path(state));
        JsonNode jobs = s.call("GET", q, null);
        if (s.json) {
            s.printJson(jobs);
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"JOB", "MODULE", "OPERATION", "STATE", "OUTCOME"});
        for (JsonNode j : jobs) {
            rows.add(new String[] {j.path("id").asText(), j.path("module").asText(), j.path("operation").asText(),
                    j.path("state").asText(), j.path("outcome").isNull() ? "" : j.path("outcome").asText()});
        }
        Table.print(s.out, rows);
        return ExitCodes.OK;
    }
}
