package dev.asterism.cli;

import dev.asterism.server.TunnelClient;
import dev.asterism.server.tunnel.RdCleanPath;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The desktop WebSocket as a browser page's RDP client opens it, for the refusals: with a panel session's cookie, one
 * RDCleanPath request carrying a ticket and an X.224 Connection Request, and the answer it gets.
 */
final class DesktopSocket {
    /** A Connection Request as FreeRDP sends it, asking for TLS or CredSSP. */
    private static final byte[] CONNECTION_REQUEST = HexFormat.of().parseHex("030000130ee000000000000100080003000000");

    /**
     * @param status 101 when the upgrade was accepted, else the HTTP status that refused it
     * @param answer the RDCleanPath PDU the server answered with, if any
     */
    record Answer(int status, RdCleanPath answer, String closeReason) {}

    private DesktopSocket() {}

    static Answer request(String url, String constellation, String member, String session, String ticket)
            throws Exception {
        TunnelClient socket;
        try {
            socket = TunnelClient.openWithSession(url, "/ui/constellations/" + constellation + "/members/" + member
                    + "/desktop/socket", session);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof WebSocketHandshakeException refused) {
                return new Answer(refused.getResponse().statusCode(), null, null);
            }
            throw failed;
        }
        try (socket) {
            socket.send(RdCleanPath.request(member + ":3389", ticket, CONNECTION_REQUEST).encode());
            String reason = socket.closed().get(20, TimeUnit.SECONDS);
            byte[] answer = socket.awaitBytes(1, Duration.ZERO);
            return new Answer(101, answer.length == 0 ? null : RdCleanPath.decode(answer), reason);
        }
    }
}
