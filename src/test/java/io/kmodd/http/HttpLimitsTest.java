package io.kmodd.http;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.kmodd.kernel.ModuleState;
import io.kmodd.security.AuthProfile;
import io.kmodd.testing.SimulatedKernel;
import io.kmodd.testing.SimulatedKernelProducer;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP layer under a hostile neighbour, at small scale: slow heads and idle connections are cut, a
 * request being served is not, oversized bodies are audited with their real status and log no error, and
 * a flood of failed authentications is one audit line.
 */
@QuarkusTest
@TestProfile(FloodProfile.class)
class HttpLimitsTest {
    private final SimulatedKernel kernel = SimulatedKernelProducer.KERNEL;
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void setUp() {
        kernel.reset();
        kernel.define("loop");
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void tearDown() {
        Logger.getLogger("").removeHandler(capture);
        kernel.releaseLoads();
    }

    private List<String> audit() {
        return records.stream().filter(r -> "kmodd.audit".equals(r.getLoggerName())).map(LogRecord::getMessage).toList();
    }

    private List<LogRecord> errors() {
        return records.stream().filter(r -> r.getLevel().intValue() >= Level.SEVERE.intValue()).toList();
    }

    private Socket connect() throws Exception {
        Socket s = new Socket(root.getHost(), root.getPort());
        s.setSoTimeout(8000);
        return s;
    }

    /** Seconds until the server closes the connection, reading whatever it sends. */
    private static double secondsUntilClosed(Socket s) throws Exception {
        long t0 = System.nanoTime();
        InputStream in = s.getInputStream();
        try {
            while (in.read() >= 0) {
                // Drain.
            }
        } catch (SocketTimeoutException e) {
            return Double.POSITIVE_INFINITY;
        } catch (java.io.IOException e) {
            // Reset by the server: closed too.
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    @Test
    void aHeadThatNeverCompletesIsCutEvenWhileItTrickles() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /modules HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            long t0 = System.nanoTime();
            boolean cut = false;
            // One header line every 300 ms: the idle timer alone would never fire.
            for (int i = 0; i < 20 && !cut; i++) {
                Thread.sleep(300);
                try {
                    out.write(("X-Slow-" + i + ": y\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (java.io.IOException e) {
                    cut = true;
                }
            }
            double seconds = cut ? (System.nanoTime() - t0) / 1e9 : secondsUntilClosed(s);
            assertThat(seconds).isLessThan(5.0);
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheHeadTimeout() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("GET /q/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(secondsUntilClosed(s)).isLessThan(5.0);
        }
    }

    @Test
    void aRequestBeingServedOutlivesTheHeadTimeout() throws Exception {
        kernel.holdLoads();
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(2500);
            } catch (InterruptedException e) {
                return;
            }
            kernel.releaseLoads();
        });
        releaser.start();
        given().header("Authorization", "Bearer " + AuthProfile.OPERATOR).post("/modules/loop/load?wait=20s").then()
                .statusCode(200);
        releaser.join();
        assertThat(kernel.isLoaded("loop")).isTrue();
    }

    @Test
    void oversizedBodiesAre413WithOneAuditRecordEachAndNoError() throws Exception {
        records.clear();
        String big = "{\"params\":{\"a\":\"" + "x".repeat(70 * 1024) + "\"}}";
        given().header("Authorization", "Bearer " + AuthProfile.OPERATOR).contentType("application/json").body(big)
                .post("/modules/loop/load").then().statusCode(413);
        // The same body chunked: no Content-Length, the limit is met while streaming.
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /modules/loop/load HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + AuthProfile.OPERATOR
                    + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = "x".repeat(8192).getBytes(StandardCharsets.US_ASCII);
            try {
                for (int i = 0; i < 12; i++) {
                    out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (java.io.IOException e) {
                // The server may close as soon as it has answered.
            }
            byte[] head = s.getInputStream().readNBytes(12);
            assertThat(new String(head, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 413");
        }
        for (int i = 0; i < 100 && audit().size() < 2; i++) {
            Thread.sleep(20);
        }
        assertThat(audit()).hasSize(2).allSatisfy(a -> assertThat(a).contains("\"status\":413").contains("POST /modules/loop/load"));
        assertThat(audit().get(0)).contains("\"who\":");
        assertThat(errors()).isEmpty();
        assertThat(kernel.finitCalls("loop")).isZero();
    }

    @Test
    void aFloodOfFailedAuthenticationsIsOneAuditLine() throws Exception {
        records.clear();
        kernel.loadedByOther("loop", ModuleState.LIVE);
        for (int i = 0; i < 300; i++) {
            given().header("Authorization", i % 2 == 0 ? "Bearer wrong-token-" + i : "").post("/modules/loop/unload")
                    .then().statusCode(401);
        }
        Thread.sleep(100);
        assertThat(audit()).hasSize(1);
        assertThat(audit().get(0)).contains("\"status\":401").contains("\"coalescing\"").contains("\"source\":");
        assertThat(String.join("\n", audit())).doesNotContain("wrong-token");
        assertThat(kernel.isLoaded("loop")).isTrue();
    }
}
