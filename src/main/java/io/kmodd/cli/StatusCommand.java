package io.kmodd.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "status", description = "Whether kmodd is ready, each readiness check, and what it holds now.")
final class StatusCommand implements Callable<Integer> {
    @ParentCommand
    Kmoddctl root;

    @Override
    public Integer call() {
        Session s = root.session("viewer");
        // 503 when DOWN, with each check's reason in the body.
        JsonNode health = Session.parse(s.any("GET", "q/health/ready", null).body());
        JsonNode modules = s.call("GET", "modules", null);
        JsonNode waiting = s.call("GET", "jobs?state=waiting", null);
        JsonNode queued = s.call("GET", "jobs?state=queued", null);
        if (s.json) {
            var node = Session.JSON.createObjectNode();
            node.set("health", health);
            node.put("modules", modules.size());
            node.put("waitingJobs", waiting.size());
            node.put("queuedJobs", queued.size());
            s.printJson(node);
        } else {
            s.out.println("kmodd: " + health.path("status").asText());
            for (JsonNode c : health.path("checks")) {
                s.out.println("  " + c.path("name").asText() + ": " + c.path("status").asText()
                        + (c.path("data").isObject() ? " " + c.path("data") : ""));
            }
            s.out.println("modules loaded: " + modules.size());
            s.out.println("jobs waiting: " + waiting.size() + ", queued: " + queued.size());
        }
        return "UP".equals(health.path("status").asText()) ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
