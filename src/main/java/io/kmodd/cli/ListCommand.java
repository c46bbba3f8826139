package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", description = "The loaded modules, as /proc/modules has them.")
final class ListCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Override
    public Integer call() {
        Session s = root.session("viewer");
        JsonNode modules = s.call("GET", "modules", null);
        if (s.json) {
            s.printJson(modules);
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MODULE", "STATE", "REFCNT", "SIZE", "USED BY"});
        for (JsonNode m : modules) {
            List<String> holders = new ArrayList<>();
            m.path("holders").forEach(h -> holders.add(h.asText()));
            rows.add(new String[] {m.path("name").asText(), m.path("state").asText(), m.path("refcnt").asText(),
                    m.path("sizeBytes").asText(), String.join(",", holders)});
        }
        Table.print(s.out, rows);
        return ExitCodes.OK;
    }
}
