package dev.asterism.server.http;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.user.User;
import dev.asterism.protocol.tunnel.TunnelStream;
import dev.asterism.server.panel.Panel;
import dev.asterism.server.tunnel.DesktopBridge;
import dev.asterism.server.tunnel.TunnelRelay;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.websocket.WsContext;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The user's end of a tunnel: a WebSocket at {@value #PATH} that carries one TCP connection's bytes as binary
 * messages, and its half close as the text message {@code eof}, both ways. {@code asterism connect} opens one per
 * connection to its local listener.
 *
 * <p>The upgrade needs an API token ({@code Authorization: Bearer}): a browser's session cookie is not enough, so
 * that no web page can open a tunnel with a visitor's session. Refusals (401, 403, 404, 409, 422, 429, 503) are the
 * API's JSON errors, before any WebSocket exists. A tunnel that ends closes the WebSocket with 1000 when both sides
 * finished and 4000 with the reason otherwise. The token that opened a tunnel is checked again every
 * {@value #RECHECK_SECONDS} s: once it is revoked (or its user deleted) the tunnel closes.
 *
 * <p>The panel's desktop page has its own WebSocket at {@value #DESKTOP_PATH}: the browser's session opens it, and the
 * one-time ticket in its first message (an RDCleanPath request) admits it to the member's RDP port; a
 * {@link DesktopBridge} carries it. The same checks, closes and credential rechecks apply to both.
 */
final class TunnelSockets {

    static final String PATH = ApiRoutes.PREFIX + ApiRoutes.TUNNEL;
    /** Where the panel's desktop page connects: IronRDP's web client speaking RDCleanPath. */
    static final String DESKTOP_PATH = Panel.ROOT + "/constellations/{name}/members/{member}/desktop/socket";
    /** The member's port a desktop reaches: its RDP server. */
    static final int DESKTOP_PORT = 3389;
    /** The close status of a tunnel that ended otherwise than by both sides finishing; the reason says why. */
    static final int CLOSED_WITH_REASON = 4000;
    static final int RECHECK_SECONDS = 2;

    private static final Logger LOG = Logger.getLogger(TunnelSockets.class.getName());
    private static final String CALLER = "asterism.tunnel.caller";
    private static final String TARGET = "asterism.tunnel.target";
    private static final String CREDENTIAL = "asterism.tunnel.credential";

    private final TunnelRelay relay;
    private final RequestAuthenticator authenticator;
    private final Map<String, Open> open = new ConcurrentHashMap<>();
    private final ScheduledExecutorService checker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("tunnel-credentials").daemon(true).factory());

    TunnelSockets(TunnelRelay relay, RequestAuthenticator authenticator) {
        this.relay = requireNonNull(relay, "relay is null");
        this.authenticator = requireNonNull(authenticator, "authenticator is null");
    }

    void install(Javalin app) {
        checker.scheduleWithFixedDelay(this::recheckCredentials, RECHECK_SECONDS, RECHECK_SECONDS, TimeUnit.SECONDS);
        app.events(events -> events.serverStopped(checker::shutdownNow));
        app.wsBeforeUpgrade(PATH, this::authorize);
        app.ws(PATH, ws -> handle(ws, context -> {
            TunnelStream stream = relay.open(context.attribute(CALLER), context.attribute(TARGET),
                    new UserEnd(context));
            return new Connection() {
                @Override
                public void fromUser(byte[] bytes, int offset, int length) throws IOException {
                    stream.fromLocal(bytes, offset, length);
                }

                @Override
                public void text(String message) {
                    if (message.equals("eof")) {
                        stream.localEnded();
                    } else {
                        stream.close("the client sent text other than 'eof'");
                    }
                }

                @Override
                public void close(String reason) {
                    stream.close(reason);
                }
            };
        }));
        app.wsBeforeUpgrade(DESKTOP_PATH, this::authorizeDesktop);
        app.ws(DESKTOP_PATH, ws -> handle(ws, context -> {
            User caller = context.attribute(CALLER);
            TunnelRelay.Target target = context.attribute(TARGET);
            DesktopBridge bridge = new DesktopBridge(new UserEnd(context), (request, member) -> {
                try {
                    relay.tickets().redeem(request.proxyAuth(), caller.username(), target.constellation(),
                            target.member());
                    return relay.open(caller, target, member);
                } catch (AsterismException refused) {
                    throw new DesktopBridge.Refused(ErrorResponses.status(refused.code()), refused.getMessage());
                }
            }, target.member());
            return new Connection() {
                @Override
                public void fromUser(byte[] bytes, int offset, int length) {
                    bridge.fromBrowser(bytes, offset, length);
                }

                @Override
                public void text(String message) {
                    bridge.close("the browser sent text: a desktop carries binary messages only");
                }

                @Override
                public void close(String reason) {
                    bridge.close(reason);
                }
            };
        }));
    }

    /** What a user's WebSocket carries: a tunnel's bytes, or a desktop's. */
    private interface Connection {
        void fromUser(byte[] bytes, int offset, int length) throws IOException;

        void text(String message);

        void close(String reason);
    }

    /** How a WebSocket at either path becomes its connection. */
    private interface Connector {
        /** @throws AsterismException when the tunnel cannot be opened now */
        Connection connect(WsContext context);
    }

    private void handle(io.javalin.websocket.WsConfig ws, Connector connector) {
        ws.onConnect(context -> {
            try {
                open.put(context.sessionId(), new Open(connector.connect(context), context.attribute(CREDENTIAL)));
            } catch (AsterismException refused) {
                context.closeSession(CLOSED_WITH_REASON, refused.getMessage());
            }
        });
        ws.onBinaryMessage(context -> {
            Connection connection = connectionOf(context.sessionId());
            if (connection == null) {
                return;
            }
            try {
                connection.fromUser(context.data(), context.offset(), context.length());
            } catch (IOException closed) {
                // The connection closed the WebSocket with its reason already.
            }
        });
        ws.onMessage(context -> {
            Connection connection = connectionOf(context.sessionId());
            if (connection != null) {
                connection.text(context.message());
            }
        });
        ws.onClose(context -> {
            Open ended = open.remove(context.sessionId());
            if (ended != null) {
                ended.connection().close(context.status() == 1000 || context.status() == 1001 ? "closed by the user"
                        : "the user's connection ended (" + context.status() + ")");
            }
        });
        ws.onError(context -> {
            Open failed = open.remove(context.sessionId());
            if (failed != null) {
                failed.connection().close("the user's connection failed");
            }
            LOG.log(Level.FINE, "a tunnel WebSocket failed", context.error());
        });
    }

    private void authorize(Context context) {
        Checked checked = check(context, authenticator, relay);
        context.attribute(CALLER, checked.caller());
        context.attribute(TARGET, checked.target());
        context.attribute(CREDENTIAL, authenticator.recheck(context));
    }

    /**
     * A desktop's WebSocket comes from the panel's page: the browser's session says who, the ticket in its first
     * message proves the page was shown to that person for that member.
     */
    private void authorizeDesktop(Context context) {
        User caller = authenticator.caller(context);
        context.attribute(CALLER, caller);
        context.attribute(TARGET, relay.authorize(caller, context.pathParam("name"), context.pathParam("member"),
                DESKTOP_PORT));
        context.attribute(CREDENTIAL, authenticator.recheck(context));
    }

    /** Who asks for a tunnel and where to; the same checks answer a GET at the path that is no upgrade. */
    record Checked(User caller, TunnelRelay.Target target) {
    }

    static Checked check(Context context, RequestAuthenticator authenticator, TunnelRelay relay) {
        if (context.header("Authorization") == null) {
            throw new AsterismException(ErrorCode.UNAUTHENTICATED, "tunnels need an API token ('Authorization:"
                    + " Bearer <token>'): use `asterism connect`, which sends yours");
        }
        User caller = authenticator.caller(context);
        String port = context.queryParam("port");
        int number;
        try {
            number = port == null ? 3389 : Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "query parameter 'port' must be a whole number",
                    Map.of("field", "port"));
        }
        return new Checked(caller, relay.authorize(caller, context.pathParam("name"), context.pathParam("member"),
                number));
    }

    /** An open tunnel or desktop: its connection and the credential that opened it. */
    private record Open(Connection connection, Supplier<Optional<User>> credential) {
    }

    private Connection connectionOf(String sessionId) {
        Open tunnel = open.get(sessionId);
        return tunnel == null ? null : tunnel.connection();
    }

    /** Closes every tunnel whose token no longer holds; its WebSocket's close then forgets it. */
    private void recheckCredentials() {
        open.values().forEach(tunnel -> {
            try {
                if (tunnel.credential().get().isEmpty()) {
                    tunnel.connection().close("the credential that opened this tunnel was revoked, or its user"
                            + " deleted: log in again");
                }
            } catch (RuntimeException failure) {
                // A database that does not answer now closes nothing; the next round checks again.
                LOG.log(Level.FINE, "could not check a tunnel's token", failure);
            }
        });
    }

    /** The user's WebSocket as the tunnel's local stream. */
    private static final class UserEnd implements TunnelStream.Local {
        private final WsContext context;

        UserEnd(WsContext context) {
            this.context = context;
        }

        @Override
        public void write(byte[] bytes) throws IOException {
            try {
                context.send(ByteBuffer.wrap(bytes));
            } catch (RuntimeException broken) {
                throw new IOException("the user's WebSocket is closed", broken);
            }
        }

        @Override
        public void shutdownOutput() {
            context.send("eof");
        }

        @Override
        public void close(String reason) {
            if (!context.session.isOpen()) {
                return;
            }
            if (reason.equals(TunnelStream.FINISHED)) {
                context.closeSession(1000, reason);
            } else {
                context.closeSession(CLOSED_WITH_REASON, fit(reason));
            }
        }

        private static String fit(String reason) {
            // RFC 6455 allows 123 bytes of close reason.
            String cut = reason;
            while (cut.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 123) {
                cut = cut.substring(0, cut.length() - 1);
            }
            return cut;
        }
    }
}
