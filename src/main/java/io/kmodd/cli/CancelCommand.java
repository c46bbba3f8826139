package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "cancel", description = "Cancel a queued or waiting job; the module stays as it is.")
final class CancelCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(paramLabel = "JOB")
    String job;

    @Override
    public Integer call() {
        Session s = root.session("operator");
        JsonNode j = s.call("DELETE", "jobs/" + Names.path(job), null);
        if (s.json) {
            s.printJson(j);
        } else {
            s.out.println(job + ": " + j.path("state").asText() + (j.path("outcome").isNull() ? "" : ": " + j.path("outcome").asText()));
        }
        return ExitCodes.OK;
    }
}
