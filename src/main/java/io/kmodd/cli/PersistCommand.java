package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "persist", description = {"What kmodd's drop-ins restore at boot, and where the live module differs (drift);",
        "with MODULE [KEY=VALUE...] persist it, with --remove forget it."})
final class PersistCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MODULE")
    String module;

    @Parameters(index = "1..*", paramLabel = "KEY=VALUE")
    List<String> params = new ArrayList<>();

    @Option(names = "--remove", description = "Forget MODULE in both drop-ins")
    boolean remove;

    @Option(names = "--options-only", description = "Keep its options for when it loads, without loading it at boot")
    boolean optionsOnly;

    @Override
    public Integer call() {
        if (module == null) {
            if (remove || optionsOnly || !params.isEmpty()) {
                throw new Failure(ExitCodes.USAGE, "name the MODULE to persist or --remove");
            }
            return list();
        }
        Session s = root.session("operator");
        String path = "modules/" + Names.path(module) + "/persistence";
        if (remove) {
            s.send("DELETE", path, null);
            if (!s.json) {
                s.out.println(module + ": no longer persisted");
            }
            return ExitCodes.OK;
        }
        ObjectNode body = Session.paramsBody(params);
        body.put("load", !optionsOnly);
        JsonNode saved = s.call("PUT", path, body);
        if (s.json) {
            s.printJson(saved);
        } else {
            s.out.println(module + ": persisted" + (saved.path("load").asBoolean() ? ", loaded at boot" : "")
                    + (saved.path("params").isEmpty() ? "" : ", with " + Session.pairs(saved.path("params"))));
        }
        return ExitCodes.OK;
    }

    private int list() {
        Session s = root.session("viewer");
        JsonNode all = s.call("GET", "persistence", null);
        if (s.json) {
            s.printJson(all);
            return ExitCodes.OK;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"MODULE", "AT BOOT", "PARAMETERS", "LOADED", "DRIFT"});
        for (JsonNode p : all) {
            StringBuilder drift = new StringBuilder();
            p.path("drift").forEach(d -> drift.append(drift.length() == 0 ? "" : " ").append(d.path("parameter").asText())
                    .append('=').append(d.path("live").asText()).append(" (persisted ").append(d.path("persisted").asText()).append(')'));
            p.path("unconfirmed").forEach(u -> drift.append(drift.length() == 0 ? "" : " ").append(u.asText()).append("=?"));
            rows.add(new String[] {p.path("module").asText(), p.path("load").asBoolean() ? "load" : "options",
                    Session.pairs(p.path("params")), p.path("loaded").asBoolean() ? "yes" : "no", drift.toString()});
        }
        Table.print(s.out, rows);
        return ExitCodes.OK;
    }
}
