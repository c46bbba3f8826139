package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "show", description = "One loaded module: state, refcount, holders, parameters, and what holds it.")
final class ShowCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(paramLabel = "MODULE")
    String module;

    @Override
    public Integer call() {
        Session s = root.session("viewer");
        JsonNode m = s.call("GET", "modules/" + Names.path(module), null);
        JsonNode usage = s.call("GET", "modules/" + Names.path(module) + "/usage", null);
        if (s.json) {
            var node = Session.JSON.createObjectNode();
            node.set("module", m);
            node.set("usage", usage);
            s.printJson(node);
            return ExitCodes.OK;
        }
        s.out.println("module:     " + m.path("name").asText());
        s.out.println("state:      " + m.path("state").asText() + (m.path("permanent").asBoolean() ? " (permanent: only a forced removal)" : ""));
        s.out.println("refcnt:     " + m.path("refcnt").asText());
        s.out.println("size:       " + m.path("sizeBytes").asText() + " bytes");
        s.out.println("used by:    " + (m.path("holders").isEmpty() ? "-" : join(m.path("holders"))));
        s.out.println("taints:     " + (m.path("taints").asText().isEmpty() ? "-" : m.path("taints").asText()));
        s.out.println("parameters: " + (m.path("parameters").isEmpty() ? "-" : Session.pairs(m.path("parameters"))));
        s.out.println("held by:    " + usage.path("summary").asText());
        for (JsonNode h : usage.path("holding")) {
            s.out.println("  - " + h.path("what").asText() + "  (" + h.path("source").asText() + ")");
        }
        for (JsonNode d : usage.path("removalDestroys")) {
            s.out.println("  removal destroys: " + d.path("what").asText());
        }
        for (JsonNode n : usage.path("notVisible")) {
            s.out.println("  not visible: " + n.asText());
        }
        return ExitCodes.OK;
    }

    private static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        array.forEach(x -> b.append(b.length() == 0 ? "" : ", ").append(x.asText()));
        return b.toString();
    }
}
