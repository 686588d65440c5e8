package dev.asterism.server;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A test's end of one tunnel: the WebSocket {@code asterism connect} opens per connection, spoken directly. What
 * arrives is kept; {@link #closed()} completes with the close status and reason.
 */
public final class TunnelClient implements AutoCloseable {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();

    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final CompletableFuture<Void> eof = new CompletableFuture<>();
    private final WebSocket socket;

    private TunnelClient(String url, String path, String header, String value) throws Exception {
        WebSocket.Builder builder = CLIENT.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (value != null) {
            builder.header(header, value);
        }
        socket = builder.buildAsync(URI.create(url.replaceFirst("^http", "ws") + path), new Listener())
                .get(20, TimeUnit.SECONDS);
    }

    /** Opens a tunnel; fails with the HTTP status when the upgrade is refused. */
    static TunnelClient open(String url, String path, String token) throws Exception {
        return new TunnelClient(url, "/api/v1" + path, "Authorization", token == null ? null : "Bearer " + token);
    }

    /**
     * Opens a WebSocket at {@code path} (from the server's root) as the panel's pages do, with a browser session.
     *
     * @throws ExecutionException with a {@link WebSocketHandshakeException} when the upgrade is refused
     */
    public static TunnelClient openWithSession(String url, String path, String session) throws Exception {
        return new TunnelClient(url, path, "Cookie", "asterism_session=" + session);
    }

    /** The HTTP status that refused the upgrade, or 101 when it was accepted (the socket is closed again). */
    static int statusOf(String url, String path, String token) throws Exception {
        try (TunnelClient ignored = open(url, path, token)) {
            return 101;
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse().statusCode();
            }
            throw failed;
        }
    }

    public void send(byte[] bytes) throws Exception {
        for (int offset = 0; offset < bytes.length; offset += 48 * 1024) {
            int length = Math.min(48 * 1024, bytes.length - offset);
            socket.sendBinary(ByteBuffer.wrap(bytes, offset, length), true).get(30, TimeUnit.SECONDS);
        }
    }

    void sendEof() throws Exception {
        socket.sendText("eof", true).get(10, TimeUnit.SECONDS);
    }

    /** Waits until at least {@code count} bytes arrived and returns all that did. */
    public byte[] awaitBytes(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (received) {
                if (received.size() >= count) {
                    return received.toByteArray();
                }
            }
            if (closed.isDone()) {
                break;
            }
            Thread.sleep(5);
        }
        synchronized (received) {
            return received.toByteArray();
        }
    }

    CompletableFuture<Void> eof() {
        return eof;
    }

    /** Completes with "STATUS reason" when the server closes the tunnel. */
    public CompletableFuture<String> closed() {
        return closed;
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "test done");
        }
        try {
            closed.get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // The server may not answer the close; abort either way.
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            synchronized (received) {
                received.writeBytes(bytes);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (data.toString().equals("eof")) {
                eof.complete(null);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete("error " + error);
        }
    }
}
