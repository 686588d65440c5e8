package dev.asterism.cli;

import dev.asterism.server.tunnel.RdCleanPath;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The desktop WebSocket as a browser page's RDP client opens it, for the refusals: with a panel session's cookie, one
 * RDCleanPath request carrying a ticket and an X.224 Connection Request, and the answer it gets.
 */
final class DesktopSocket {
    /** A Connection Request as FreeRDP sends it, asking for TLS or CredSSP. */
    private static final byte[] CONNECTION_REQUEST = java.util.HexFormat.of().parseHex(
            "030000130ee000000000000100080003000000");

    /**
     * @param status 101 when the upgrade was accepted, else the HTTP status that refused it
     * @param answer the RDCleanPath PDU the server answered with, if any
     */
    record Answer(int status, RdCleanPath answer, String closeReason) {}

    private DesktopSocket() {}

    static Answer request(String url, String constellation, String member, String session, String ticket)
            throws Exception {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        CompletableFuture<String> closed = new CompletableFuture<>();
        WebSocket socket;
        try {
            socket = HttpClient.newHttpClient().newWebSocketBuilder().header("Cookie", "asterism_session=" + session)
                    .buildAsync(URI.create(url.replace("http", "ws") + "/ui/constellations/" + constellation
                            + "/members/" + member + "/desktop/socket"), new WebSocket.Listener() {
                                @Override
                                public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data,
                                        boolean last) {
                                    synchronized (received) {
                                        byte[] bytes = new byte[data.remaining()];
                                        data.get(bytes);
                                        received.writeBytes(bytes);
                                    }
                                    webSocket.request(1);
                                    return null;
                                }

                                @Override
                                public CompletionStage<?> onClose(WebSocket webSocket, int status, String reason) {
                                    closed.complete(status + " " + reason);
                                    return null;
                                }
                            }).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof WebSocketHandshakeException refused) {
                return new Answer(refused.getResponse().statusCode(), null, null);
            }
            throw failed;
        }
        socket.sendBinary(ByteBuffer.wrap(RdCleanPath.request(member + ":3389", ticket, CONNECTION_REQUEST)
                .encode()), true).get(10, TimeUnit.SECONDS);
        String reason = closed.get(20, TimeUnit.SECONDS);
        synchronized (received) {
            byte[] bytes = received.toByteArray();
            return new Answer(101, bytes.length == 0 ? null : RdCleanPath.decode(bytes), reason);
        }
    }
}
