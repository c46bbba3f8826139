package io.kmodd.cli;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Plain HTTP/1.1 to kmodd over its Unix domain socket (JDK 16's AF_UNIX channels) or over TCP: one request
 * per connection ({@code Connection: close}), a body sized by Content-Length, chunked transfer coding
 * (event streams), or the connection's end. kmoddctl's start is paid on every call, and this is a few
 * classes of java.nio where the JDK's HTTP client starts a selector thread and its asynchronous machinery
 * (about a third of a call's start); that client is kept for https ({@link TlsTransport}).
 */
final class PlainHttpTransport implements Transport {
    private static final int CONNECT_TIMEOUT_MS = 5_000;
    private final String where;
    private final String host;
    private final String prefix;
    private final Connector connector;

    /** Opens a connected channel. */
    private interface Connector {
        SocketChannel open() throws IOException;
    }

    private PlainHttpTransport(String where, String host, String prefix, Connector connector) {
        this.where = where;
        this.host = host;
        this.prefix = prefix;
        this.connector = connector;
    }

    /** Over kmodd's Unix domain socket. */
    static PlainHttpTransport unixSocket(Path socket) {
        return new PlainHttpTransport(socket.toString(), "localhost", "/",
                () -> connected(SocketChannel.open(StandardProtocolFamily.UNIX), ch -> ch.connect(UnixDomainSocketAddress.of(socket))));
    }

    /**
     * Over TCP to an http:// URL's host and port (80 when it names none), within a connect timeout; a path in
     * the URL (kmodd behind a proxy) prefixes every request's.
     */
    static PlainHttpTransport tcp(URI url) {
        int port = url.getPort() < 0 ? 80 : url.getPort();
        String authority = url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort());
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        return new PlainHttpTransport(authority, authority, path.endsWith("/") ? path : path + "/", () -> connected(SocketChannel.open(),
                ch -> ch.socket().connect(new InetSocketAddress(url.getHost(), port), CONNECT_TIMEOUT_MS)));
    }

    /** How a fresh channel is connected. */
    private interface Connect {
        void to(SocketChannel ch) throws IOException;
    }

    /** {@code ch} once {@code connect} has connected it; closed if that fails. */
    private static SocketChannel connected(SocketChannel ch, Connect connect) throws IOException {
        try {
            connect.to(ch);
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public Answer send(String method, String pathAndQuery, Map<String, String> headers, String body) throws IOException {
        return exchange(method, pathAndQuery, headers, body, null);
    }

    @Override
    public Answer stream(String method, String pathAndQuery, Map<String, String> headers, String body, Consumer<String> lines)
            throws IOException {
        return exchange(method, pathAndQuery, headers, body, lines);
    }

    private Answer exchange(String method, String pathAndQuery, Map<String, String> headers, String body, Consumer<String> lines)
            throws IOException {
        try (SocketChannel ch = connector.open()) {
            byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String target = prefix + (pathAndQuery.startsWith("/") ? pathAndQuery.substring(1) : pathAndQuery);
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append("\r\nConnection: close\r\n");
            headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (body != null) {
                head.append("Content-Length: ").append(payload.length).append("\r\n");
            }
            head.append("\r\n");
            OutputStream out = Channels.newOutputStream(ch);
            out.write(head.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(payload);
            out.flush();
            InputStream in = new BufferedInputStream(Channels.newInputStream(ch));
            String status = line(in);
            String[] f = status.split(" ", 3);
            if (f.length < 2 || !f[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer from " + where + ": " + status);
            }
            int code = Integer.parseInt(f[1]);
            Map<String, String> h = new HashMap<>();
            for (String l; !(l = line(in)).isEmpty(); ) {
                int colon = l.indexOf(':');
                if (colon > 0) {
                    h.put(l.substring(0, colon).strip().toLowerCase(Locale.ROOT), l.substring(colon + 1).strip());
                }
            }
            InputStream bodyIn = "chunked".equalsIgnoreCase(h.get("transfer-encoding")) ? new Chunked(in)
                    : h.containsKey("content-length") ? new Bounded(in, Long.parseLong(h.get("content-length"))) : in;
            if (lines != null && code / 100 == 2) {
                BufferedReader reader = new BufferedReader(new InputStreamReader(bodyIn, StandardCharsets.UTF_8));
                for (String l; (l = reader.readLine()) != null; ) {
                    lines.accept(l);
                }
                return new Answer(code, h, "");
            }
            return new Answer(code, h, new String(bodyIn.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** One CRLF-terminated header line, without its end. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int c; (c = in.read()) != -1; ) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
            if (b.size() > 16384) {
                throw new IOException("an HTTP header line over 16 KiB");
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** The body of a Content-Length answer. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long length) {
            this.in = in;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int c = in.read();
            left = c < 0 ? 0 : left - 1;
            return c;
        }
    }

    /** The body of a chunked answer (RFC 9112 section 7.1), its chunks joined; trailers are skipped. */
    private static final class Chunked extends InputStream {
        private final InputStream in;
        private long left;
        private boolean done;

        Chunked(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                String size = line(in);
                int semi = size.indexOf(';');
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                if (left == 0) {
                    while (!line(in).isEmpty()) {
                        // trailers
                    }
                    done = true;
                    return -1;
                }
            }
            int c = in.read();
            if (c < 0) {
                done = true;
                return -1;
            }
            if (--left == 0) {
                line(in); // the CRLF after the chunk
            }
            return c;
        }
    }
}
