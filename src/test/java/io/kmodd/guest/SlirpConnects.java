package io.kmodd.guest;

import io.restassured.config.HttpClientConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.apache.http.conn.scheme.PlainSocketFactory;
import org.apache.http.conn.scheme.Scheme;
import org.apache.http.conn.scheme.SchemeRegistry;
import org.apache.http.impl.client.DefaultHttpClient;
import org.apache.http.impl.conn.BasicClientConnectionManager;
import org.apache.http.params.HttpParams;

/**
 * The suite's HTTP clients reach kmodd through QEMU's user-mode forward, whose host socket libslirp opens
 * with {@code listen(s, 1)}: an accept queue of two, drained by QEMU's main loop, one connection per
 * iteration. When the emulated CPU starves that loop (a slow or CPU-bound machine) and fifty clients connect
 * at once, the host kernel completes handshakes it then cannot queue, drops their ACKs, gives up on them after
 * its SYN-ACK retries (about a minute) and answers the client's retransmitted request with a reset:
 * "Connection reset" ~110 s into a test, kmodd never having seen the request. (Measured on this machine with
 * a listen(1) socket accepting every 2.5 s: 17 of 30 concurrent connects reset at 108 s; the same 30 made one
 * at a time all got their answer.) Here connects are made one at a time, each finished in the host kernel
 * before the next starts, so no handshake can be stranded; the requests themselves still go concurrently.
 * A real caller of kmodd connects over loopback to kmodd's own socket and never meets this forward.
 */
final class SlirpConnects {
    private static final Object ONE_AT_A_TIME = new Object();

    private SlirpConnects() {
    }

    /** RestAssured's client, made per request as by default, with serialized connects. */
    static HttpClientConfig oneAtATime() {
        return HttpClientConfig.httpClientConfig().httpClientFactory(() -> {
            SchemeRegistry schemes = new SchemeRegistry();
            schemes.register(new Scheme("http", 80, new SerializedPlainSockets()));
            return new DefaultHttpClient(new BasicClientConnectionManager(schemes));
        });
    }

    @SuppressWarnings("deprecation") // RestAssured 5 still builds on HttpClient 4's DefaultHttpClient API
    private static final class SerializedPlainSockets extends PlainSocketFactory {
        @Override
        public Socket connectSocket(Socket socket, InetSocketAddress remote, InetSocketAddress local, HttpParams params)
                throws IOException {
            synchronized (ONE_AT_A_TIME) {
                return super.connectSocket(socket, remote, local, params);
            }
        }
    }
}
