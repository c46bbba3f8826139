package io.kmodd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain HTTP over a Unix socket and TCP (chunked event streams, sized bodies) and where the token comes from. */
class TransportsTest {
    @TempDir
    Path dir;

    /** Serves one connection on a Unix socket with {@code answer} and returns the request it read. */
    private CompletableFuture<String> serveOnce(Path sock, String answer) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        return serveOnce(server, answer);
    }

    private static CompletableFuture<String> serveOnce(ServerSocketChannel server, String answer) {
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel c = server.accept()) {
                ByteBuffer buf = ByteBuffer.allocate(8192);
                StringBuilder req = new StringBuilder();
                // The whole request, body included: closing with unread bytes would reset the connection.
                while (!complete(req.toString()) && c.read(buf) > 0) {
                    buf.flip();
                    req.append(StandardCharsets.US_ASCII.decode(buf));
                    buf.clear();
                }
                c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
                return req.toString();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static boolean complete(String request) {
        int end = request.indexOf("\r\n\r\n");
        if (end < 0) {
            return false;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("Content-Length: (\\d+)").matcher(request);
        return request.length() - end - 4 >= (m.find() ? Integer.parseInt(m.group(1)) : 0);
    }

    @Test
    void aChunkedEventStreamArrivesLineByLine() throws Exception {
        Path sock = dir.resolve("k.sock");
        String events = "event:refcnt\ndata:{\"type\":\"refcnt\"}\n\nevent:outcome\ndata:{\"type\":\"outcome\",\"state\":\"succeeded\"}\n\n";
        String chunked = Integer.toHexString(20) + "\r\n" + events.substring(0, 20) + "\r\n"
                + Integer.toHexString(events.length() - 20) + ";ext=1\r\n" + events.substring(20) + "\r\n0\r\n\r\n";
        CompletableFuture<String> request = serveOnce(sock, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n" + chunked);
        List<String> lines = new ArrayList<>();
        Transport.Answer a = PlainHttpTransport.unixSocket(sock).stream("POST", "/modules/loop/unload?timeout=1s",
                Map.of("Accept", "text/event-stream"), null, lines::add);
        assertThat(a.status()).isEqualTo(200);
        assertThat(String.join("\n", lines) + "\n").isEqualTo(events);
        assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("POST /modules/loop/unload?timeout=1s HTTP/1.1\r\n")
                .contains("Host: localhost\r\n", "Accept: text/event-stream\r\n");
    }

    @Test
    void aSizedAnswerIsReadWholeAndABodyIsSentWithItsLength() throws Exception {
        Path sock = dir.resolve("k.sock");
        String problem = "{\"detail\":\"loop is not loaded\"}";
        CompletableFuture<String> request = serveOnce(sock, "HTTP/1.1 404 Not Found\r\nContent-Length: " + problem.length()
                + "\r\nContent-Type: application/problem+json\r\n\r\n" + problem + "trailing garbage never read");
        Transport.Answer a = PlainHttpTransport.unixSocket(sock).send("PUT", "modules/x", Map.of(), "{\"load\":true}");
        assertThat(a.status()).isEqualTo(404);
        assertThat(a.body()).isEqualTo(problem);
        assertThat(a.headers()).containsEntry("content-type", "application/problem+json");
        // A path as the commands write it (relative to kmodd's root) goes out absolute.
        assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("PUT /modules/x HTTP/1.1\r\n").contains("Content-Length: 13\r\n");
    }

    @Test
    void overTcpTheHostHeaderNamesTheServerAndAUrlPathPrefixesEveryRequest() throws Exception {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
        int port = ((java.net.InetSocketAddress) server.getLocalAddress()).getPort();
        CompletableFuture<String> request = serveOnce(server, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]");
        Transport.Answer a = PlainHttpTransport.tcp(java.net.URI.create("http://127.0.0.1:" + port + "/kmodd/"))
                .send("GET", "modules", Map.of("Accept", "application/json"), null);
        assertThat(a.status()).isEqualTo(200);
        assertThat(a.body()).isEqualTo("[]");
        assertThat(request.get(5, TimeUnit.SECONDS)).startsWith("GET /kmodd/modules HTTP/1.1\r\n")
                .contains("Host: 127.0.0.1:" + port + "\r\n", "Connection: close\r\n");
    }

    @Test
    void aRefusedConnectionIsAnIoErrorNamingNothingElse() throws Exception {
        int port;
        try (ServerSocketChannel closed = ServerSocketChannel.open()) {
            closed.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            port = ((java.net.InetSocketAddress) closed.getLocalAddress()).getPort();
        }
        Transport t = PlainHttpTransport.tcp(java.net.URI.create("http://127.0.0.1:" + port + "/"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.send("GET", "modules", Map.of(), null))
                .isInstanceOf(IOException.class);
    }

    @Test
    void theTokenComesFromTheEnvironmentElseTheLeastRoleInTheFile() throws Exception {
        Path tokens = dir.resolve("tokens");
        Files.writeString(tokens, "# comment\nboss admin A-TOKEN\nops operator O-TOKEN\nlook viewer V-TOKEN\n");
        assertThat(TokenSource.token(Map.of(), tokens, "viewer")).contains("V-TOKEN");
        assertThat(TokenSource.token(Map.of(), tokens, "operator")).contains("O-TOKEN");
        assertThat(TokenSource.token(Map.of(), tokens, "admin")).contains("A-TOKEN");
        assertThat(TokenSource.token(Map.of("KMODD_TOKEN", "E-TOKEN"), tokens, "admin")).contains("E-TOKEN");
        Files.writeString(tokens, "boss admin A-TOKEN\n");
        assertThat(TokenSource.token(Map.of(), tokens, "viewer")).contains("A-TOKEN");
        assertThat(TokenSource.token(Map.of(), dir.resolve("none"), "viewer")).isEmpty();
    }
}
