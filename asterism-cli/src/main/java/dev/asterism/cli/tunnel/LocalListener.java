package dev.asterism.cli.tunnel;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * {@code asterism connect}'s local side: a listener on loopback whose every connection is carried over its own
 * WebSocket to the server's tunnel endpoint, and from there to the member's port. Bytes go as binary messages; the
 * end of one direction as the text message {@code eof}.
 */
public final class LocalListener implements AutoCloseable {

    private static final int CHUNK = 60 * 1024;
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(20);

    private final ServerSocket server;
    private final URI tunnelUri;
    private final String token;
    private final Consumer<String> events;
    private final HttpClient http;
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /**
     * Listens on {@code 127.0.0.1:localPort} (0 picks a free port) and starts accepting.
     *
     * @param tunnelUri the tunnel's WebSocket URI, {@code ws://} or {@code wss://}
     * @param events told what happens, one line per event, for the user's terminal
     * @throws IOException when the local port cannot be opened (taken, or not allowed)
     */
    public LocalListener(int localPort, URI tunnelUri, String token, Consumer<String> events) throws IOException {
        this.tunnelUri = requireNonNull(tunnelUri, "tunnelUri is null");
        this.token = requireNonNull(token, "token is null");
        this.events = requireNonNull(events, "events is null");
        this.http = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), localPort), 50);
        Thread.ofPlatform().name("asterism-connect-accept").daemon().start(this::accept);
    }

    /** The local port the listener has. */
    public int port() {
        return server.getLocalPort();
    }

    /** How many connections were accepted so far. */
    public int connections() {
        return connections.get();
    }

    /** Stops listening and closes every open connection (each tunnel then closes). */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing is all that matters.
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        http.shutdownNow();
    }

    private void accept() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException stopped) {
                return;
            }
            int number = connections.incrementAndGet();
            open.add(socket);
            Thread.ofVirtual().name("asterism-connect-" + number).start(() -> relay(number, socket));
        }
    }

    private void relay(int number, Socket socket) {
        String who = "connection " + number;
        Pump pump = new Pump(socket);
        WebSocket webSocket;
        try {
            socket.setTcpNoDelay(true);
            webSocket = http.newWebSocketBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .header("Authorization", "Bearer " + token)
                    .buildAsync(tunnelUri, pump)
                    .get(CONNECT_TIMEOUT.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            events.accept(who + " refused: " + refusal(failed.getCause()));
            closeQuietly(socket);
            open.remove(socket);
            return;
        } catch (TimeoutException | InterruptedException | SocketException failed) {
            events.accept(who + " failed: the server did not open the tunnel (" + failed + ")");
            closeQuietly(socket);
            open.remove(socket);
            return;
        }
        events.accept(who + " from " + socket.getRemoteSocketAddress() + ": tunnel open");
        byte[] buffer = new byte[CHUNK];
        // Not try-with-resources: closing the input stream would close the socket, and after our side's end
        // (a half close) the member's bytes still come back through it.
        try {
            InputStream in = socket.getInputStream();
            int read;
            while ((read = in.read(buffer)) >= 0) {
                webSocket.sendBinary(ByteBuffer.wrap(buffer, 0, read), true).get();
                pump.sent.addAndGet(read);
            }
            webSocket.sendText("eof", true).get();
        } catch (IOException | ExecutionException | InterruptedException ended) {
            if (!pump.finished.get() && !webSocket.isOutputClosed()) {
                webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "the local connection ended");
            }
        }
        try {
            pump.done.get();
        } catch (InterruptedException | ExecutionException ignored) {
            // The pump reports its own end.
        }
        webSocket.abort();
        open.remove(socket);
        events.accept(who + " closed: " + pump.sent.get() + " bytes to the member, " + pump.received.get()
                + " bytes from it" + (pump.reason == null ? "" : " (" + pump.reason + ")"));
    }

    private static String refusal(Throwable failure) {
        if (failure instanceof WebSocketHandshakeException handshake) {
            int status = handshake.getResponse().statusCode();
            Object body = handshake.getResponse().body();
            String text = body instanceof byte[] bytes ? new String(bytes, java.nio.charset.StandardCharsets.UTF_8)
                    : body == null ? "" : body.toString();
            String message = text.replaceAll("(?s).*\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\".*", "$1");
            return "HTTP " + status + (message.equals(text) || message.isBlank() ? "" : ": " + message);
        }
        return failure.getMessage() == null ? failure.toString() : failure.getMessage();
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Nothing more to do with it.
        }
    }

    /** Bytes from the server go to the local socket; the WebSocket is read one message at a time. */
    private static final class Pump implements WebSocket.Listener {
        final Socket socket;
        final AtomicLong sent = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        final AtomicBoolean finished = new AtomicBoolean();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile String reason;
        private OutputStream out;

        Pump(Socket socket) {
            this.socket = socket;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            try {
                if (out == null) {
                    out = socket.getOutputStream();
                }
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                out.write(bytes);
                received.addAndGet(bytes.length);
            } catch (IOException broken) {
                webSocket.sendClose(WebSocket.NORMAL_CLOSURE, "the local connection ended");
                end("the local connection ended");
                return null;
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (data.toString().equals("eof")) {
                try {
                    socket.shutdownOutput();
                } catch (IOException ignored) {
                    // The socket is gone; the close follows.
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String closeReason) {
            end(statusCode == 1000 ? null : closeReason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            end("the tunnel failed: " + error.getMessage());
        }

        private void end(String why) {
            if (finished.compareAndSet(false, true)) {
                reason = why;
                closeQuietly(socket);
                done.complete(null);
            }
        }
    }
}
