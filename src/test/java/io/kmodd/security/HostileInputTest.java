package io.kmodd.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.ModuleState;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Thousands of malformed inputs at every endpoint: path tricks, NULs, overlong names, unicode look-alikes,
 * shell and parameter injection, huge and negative durations, broken bodies, odd headers. None may
 * answer 5xx, each error must be a problem, none may reach the kernel, and the daemon stays healthy.
 */
@QuarkusTest
class HostileInputTest {
    static final List<String> BAD_NAMES = List.of("..", "...", "%2e%2e", "..%2F", "..%2F..%2Fetc%2Fpasswd", "%2F", "%2Fetc",
            "%00", "xfs%00", "xfs%00.ko", "%0a", "xfs%0a", "xfs%0d%0aX-Evil:%201", "a".repeat(56), "a".repeat(300),
            "x".repeat(5000), "%D1%95", "xf%D1%95", "%E2%80%8Bxfs", "xfs%E2%80%8B", "%EF%BC%8Fetc", "%C0%AE%C0%AE",
            "xfs%20", "%20xfs", "xfs.ko", "xfs;id", "%24(id)", "%60id%60", "xfs%7Cid", "*", "%3F", "%25", "%25%32%65",
            "xfs%5C", "x%09y", "x%7Fy", "%FF", "%C3%A9", "loop%2Cxfs", "loop+xfs", "loop&x=1", "_%2F_",
            "xfs%23frag", "%F0%9F%98%80", "L%C3%96OP", "%E2%80%AE", "..;");
    static final List<String> BAD_DURATIONS = List.of("-1s", "-0", "1e9s", "99999999999999999999s", "1.5s", "%00",
            "10s%0a", "NaN", "0x10", "1y", "10%20s", "%2D5s", "+5s", "5S", "5sec", "1h1m", "25h", "1000000m", "ms",
            "%EF%BC%91s", "%D9%A1s", "1%00s", "9223372036854775807ms", "s", "%20", "10s%26force%3Dtrue");
    static final List<String> BAD_FLAGS = List.of("yes", "2", "-1", "truee", "%00", "TRUE%0a", "on", "null", "%20true");
    static final List<String> BAD_BODIES = List.of("{", "[]", "\"x\"", "42", "null", "{\"params\":", "{\"params\":[1,2]}",
            "{\"params\":{\"a\":1}}", "{\"params\":{\"a\":{\"b\":\"c\"}}}", "{\"params\":{\"a\":\"x\\ny=1\"}}",
            "{\"params\":{\"a\":\"x\\u0000\"}}", "{\"params\":{\"a b\":\"1\"}}", "{\"params\":{\"\":\"1\"}}",
            "{\"params\":{\"a\":\"\\\"q\\\"\"}}", "{\"params\":{\"a=b\":\"1\"}}", "{\"params\":{\".a\":\"1\"}}",
            "{\"params\":{\"a\":\"\\u00e9\"}}", "{\"params\":{\"a\":null}}", "{\"params\":{\"a\":\"" + "v".repeat(2000) + "\"}}",
            "{\"params\":{\"" + "k".repeat(100) + "\":\"1\"}}", "\u0000", "{\"params\":{\"a\":\"1\"}} trailing",
            "{\"params\":{\"a\":\"1\",\"a\":\"2\"", "<xml/>", "{\"parms\":{\"a\":\"1\"}}",
            "{\"params\":{\"a\":true}}", "{\"params\":{\"a\":[\"1\"]}}", "{\"params\":\"a=1\"}");

    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;

    private record Case(String method, String path, String body, Map<String, String> headers) {
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        for (String n : BAD_NAMES) {
            for (String name : List.of(n, "xfs" + n, "loop" + n, n + "xfs", n + "loop")) {
                c.add(new Case("POST", "/modules/" + name + "/load", null, Map.of()));
                c.add(new Case("POST", "/modules/" + name + "/load?wait=1s", "{\"params\":{\"max_loop\":\"4\"}}",
                        Map.of("Content-Type", "application/json")));
                c.add(new Case("POST", "/modules/" + name + "/unload?timeout=1s", null, Map.of()));
                c.add(new Case("POST", "/modules/" + name + "/unload", null, Map.of("Accept", "text/event-stream")));
                c.add(new Case("GET", "/modules/" + name, null, Map.of()));
                c.add(new Case("GET", "/jobs/" + name, null, Map.of()));
                c.add(new Case("DELETE", "/jobs/" + name, null, Map.of()));
                c.add(new Case("GET", "/jobs/" + name + "/events", null, Map.of()));
                c.add(new Case("GET", "/jobs?module=" + name, null, Map.of()));
                c.add(new Case("GET", "/jobs?state=" + name, null, Map.of()));
            }
        }
        for (String d : BAD_DURATIONS) {
            c.add(new Case("POST", "/modules/loop/load?wait=" + d, null, Map.of()));
            c.add(new Case("POST", "/modules/xfs/unload?timeout=" + d, null, Map.of()));
            c.add(new Case("POST", "/modules/xfs/unload?timeout=" + d, null, Map.of("Accept", "text/event-stream")));
        }
        for (String f : BAD_FLAGS) {
            c.add(new Case("POST", "/modules/xfs/unload?force=" + f, null, Map.of()));
            c.add(new Case("POST", "/modules/xfs/unload?removeDependencies=" + f, null, Map.of()));
            c.add(new Case("POST", "/modules/loop/load?ignoreBlacklist=" + f, null, Map.of()));
        }
        for (String b : BAD_BODIES) {
            for (String ct : List.of("application/json", "text/plain", "application/x-www-form-urlencoded")) {
                c.add(new Case("POST", "/modules/loop/load", b, Map.of("Content-Type", ct)));
                c.add(new Case("POST", "/modules/loop/load?wait=1s", b, Map.of("Content-Type", ct)));
            }
        }
        Map<String, String> many = new TreeMap<>();
        for (int i = 0; i < 100; i++) {
            many.put("p" + i, "1");
        }
        c.add(new Case("POST", "/modules/loop/load", "{\"params\":" + toJson(many) + "}", Map.of("Content-Type", "application/json")));
        c.add(new Case("POST", "/modules/loop/load", "{\"params\":{\"a\":\"" + "x".repeat(100_000) + "\"}}",
                Map.of("Content-Type", "application/json")));
        for (String accept : List.of("text/html", "application/xml", "*/*;q=0", "\u0001", "text/event-stream")) {
            c.add(new Case("GET", "/modules/%2e%2e", null, Map.of("Accept", accept)));
            c.add(new Case("POST", "/modules/loop/load?wait=-1", null, Map.of("Accept", accept)));
        }
        for (String method : List.of("PUT", "PATCH", "DELETE")) {
            c.add(new Case(method, "/modules/loop/load", null, Map.of()));
            c.add(new Case(method, "/modules/loop/unload", null, Map.of()));
        }
        return c;
    }

    private static String toJson(Map<String, String> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() > 1 ? "," : "").append('"').append(k).append("\":\"").append(v).append('"'));
        return b.append('}').toString();
    }

    @Test
    void malformedInputNeverAnswers5xxNeverReachesTheKernelAndLeavesTheDaemonHealthy() {
        kernel.reset();
        kernel.define("loop").define("xfs");
        kernel.loadedByOther("xfs", ModuleState.LIVE);
        List<Case> cases = cases();
        assertThat(cases.size()).isGreaterThan(2600);
        List<String> bad = new ArrayList<>();
        for (Case c : cases) {
            // One connection per case, closed after its answer: REST Assured leaves each client's kept-alive
            // connection open until the garbage collector finds it, and 2,600 of them would pass the daemon's
            // connection bound (quarkus.http.limits.max-connections), which rightly closes the newest
            // unanswered: a bound working, not what this test is about.
            var spec = given().urlEncodingEnabled(false).header("Connection", "close").headers(c.headers());
            if (c.body() != null) {
                spec = spec.body(c.body());
            }
            Response r = spec.request(c.method(), c.path());
            int s = r.statusCode();
            boolean problem = String.valueOf(r.contentType()).startsWith("application/problem+json");
            // 413 and 414 come from the HTTP layer's body and request-line limits, before any kmodd code runs.
            if (s >= 500 || s < 400 || (!problem && s != 413 && s != 414)) {
                bad.add(c.method() + " " + abbreviate(c.path()) + " " + c.headers() + " body " + abbreviate(String.valueOf(c.body()))
                        + " -> " + s + " " + r.contentType() + " " + abbreviate(r.asString()));
            }
        }
        assertThat(bad).as("cases answering 5xx, success or a non-problem").isEmpty();
        assertThat(kernel.totalCalls()).isZero();
        assertThat(kernel.isLoaded("xfs")).isTrue();
        given().get("/q/health/live").then().statusCode(200);
        given().post("/modules/loop/load?wait=5s").then().statusCode(200);
        System.out.println("HostileInputTest: " + cases.size() + " malformed requests, no 5xx, no kernel call");
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }
}
