package io.kmodd.guest;

import static io.kmodd.guest.GuestSession.as;
import static io.kmodd.guest.GuestSession.deployment;
import static io.kmodd.guest.GuestSession.given;
import static io.kmodd.guest.GuestSession.guest;
import static io.kmodd.guest.GuestSession.loaded;
import static io.kmodd.guest.GuestSession.operatorToken;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Who may write (an operator's token; force needs an admin's), and the audit record every write leaves. */
interface AccessAndAuditScenarios {
    @Test
    @Order(20)
    default void writesNeedAnOperatorTokenAndForceNeedsAdmin() throws Exception {
        // Out at the start, so that still out at the end means the refused loads did not load it.
        guest().run("rmmod dummy 2>/dev/null; true");
        as("Bearer wrong-token-0123456789abcdef").post("/modules/dummy/load").then()
                .statusCode(401).contentType("application/problem+json");
        as("Bearer " + deployment().token("viewer")).post("/modules/dummy/load").then()
                .statusCode(403);
        given().post("/modules/9pnet/unload?force=true").then().statusCode(403)
                .body("type", equalTo("urn:kmodd:problem:needs-admin"));
        assertThat(loaded("dummy")).isFalse();
        assertThat(loaded("9pnet")).isTrue();
    }

    /** Every write left one audit record in kmodd's log (a file, or the unit's journal), naming the caller, never the token. */
    @Test
    @Order(210)
    default void writesAreAuditedInKmoddsLogWithTheCallerNeverTheToken() throws Exception {
        // The writes are earlier scenarios' (tcp_yeah's loads from 40 on, 170's persistence): read back, not made here,
        // as a record made here might not have reached the unit's journal by the time it is read.
        String log = deployment().log();
        List<String> audit = log.lines().filter(l -> l.contains("\"audit\":\"kmodd\"")).toList();
        assertThat(audit).anySatisfy(a -> assertThat(a).contains("\"who\":\"guest-operator\"")
                .contains("\"action\":\"POST /modules/tcp_yeah/load\""));
        assertThat(audit).anySatisfy(a -> assertThat(a).contains("\"action\":\"PUT /modules/loop/persistence\""));
        assertThat(log).doesNotContain(operatorToken()).doesNotContain(deployment().token("viewer"));
    }
}
