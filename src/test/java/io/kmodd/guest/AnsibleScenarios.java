package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.awaitJob;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.operatorToken;
import static io.kmodd.guest.GuestSession.procModules;
import static io.kmodd.guest.GuestSession.startTheZstdKmodd;
import static io.kmodd.guest.GuestSession.startUnload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** The shipped Ansible example converging the guest through kmodd. */
interface AnsibleScenarios {
    /**
     * The shipped Ansible example (deploy/ansible/site.yml and its role), run by the real ansible-playbook on
     * this machine against the guest's kmodd: the first run loads loop with a parameter, persists it and
     * removes dummy; a second run changes nothing; --check reports what it would do and does none of it; a
     * removal held past its timeout fails the play with kmodd's own explanation.
     */
    @Test
    @Order(250)
    default void anAnsiblePlaybookConvergesTheHostAndASecondRunChangesNothing() throws Exception {
        // The zstd scenario's kmodd starts in the guest while the playbooks run on the host.
        startTheZstdKmodd();
        // A known start: loop neither loaded nor persisted, dummy loaded.
        if (loaded("loop")) {
            assertThat(awaitJob(startUnload("loop", "timeout=30s"), Duration.ofMinutes(1)).getString("state"))
                    .isEqualTo("succeeded");
        }
        given().delete("/modules/loop/persistence").then().statusCode(org.hamcrest.Matchers.oneOf(204, 404));
        given().post("/modules/dummy/load?wait=60s").then().statusCode(200);
        AnsiblePlaybook ansible = AnsiblePlaybook.against(guest().kmoddUrl(), operatorToken());
        String converge = """
                kmodd_modules_loaded:
                  - {name: loop, params: {max_loop: "6"}, persist: true}
                kmodd_modules_absent:
                  - {name: dummy, timeout: 10s}
                """;
        try {
            AnsiblePlaybook.Run first = ansible.run(converge);
            assertThat(first.exitCode()).as(first.output()).isZero();
            assertThat(first.changed()).as(first.recap()).isGreaterThan(0);
            assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("6");
            assertThat(procModules()).contains("loop").doesNotContain("dummy");
            given().get("/persistence").then().statusCode(200)
                    .body("find { it.module == 'loop' }.load", equalTo(true))
                    .body("find { it.module == 'loop' }.params.max_loop", equalTo("6"));

            AnsiblePlaybook.Run second = ansible.run(converge);
            assertThat(second.exitCode()).as(second.output()).isZero();
            assertThat(second.changed()).as(second.output()).isZero();
            System.out.println("ansible: first run: " + first.recap() + "\nansible: second run: " + second.recap());

            // --check reads the real state (its reads run in check mode too) and writes nothing; wanting
            // another max_loop is parameter drift, which only a reload could mend.
            AnsiblePlaybook.Run check = ansible.run("""
                    kmodd_modules_loaded:
                      - {name: loop, params: {max_loop: "4"}, persist: true}
                      - {name: dummy}
                    """, "--check");
            assertThat(check.exitCode()).as(check.output()).isZero();
            assertThat(check.changed()).as(check.output()).isGreaterThan(0);
            assertThat(check.output()).contains("would load it", "would reload it: max_loop is 6, wanted 4");
            assertThat(procModules()).doesNotContain("dummy");
            assertThat(guest().run("cat /sys/module/loop/parameters/max_loop")).isEqualTo("6");
            given().get("/persistence").then().body("find { it.module == 'loop' }.params.max_loop", equalTo("6"));
            System.out.println("ansible: --check: " + check.recap());

            // A removal held past its timeout fails the play, in kmodd's words.
            guest().run("(exec 3</dev/loop0; exec sleep 600) >/dev/null 2>&1 & echo $! > /tmp/ansible-holder; sleep 0.3");
            AnsiblePlaybook.Run held = ansible.run("""
                    kmodd_modules_absent:
                      - {name: loop, timeout: 2s}
                    """);
            assertThat(held.exitCode()).as(held.output()).isEqualTo(2);
            assertThat(held.failed()).isEqualTo(1);
            assertThat(held.output()).contains("POST /modules/loop/unload?timeout=2s: job", "failed: still in use");
            assertThat(loaded("loop")).isTrue();
            System.out.println("ansible: held past its timeout: " + held.recap() + "\n"
                    + held.output().lines().filter(l -> l.startsWith("fatal:")).collect(Collectors.joining("\n")));
        } finally {
            guest().run("kill $(cat /tmp/ansible-holder) 2>/dev/null; true");
            given().delete("/modules/loop/persistence");
        }
    }
}
