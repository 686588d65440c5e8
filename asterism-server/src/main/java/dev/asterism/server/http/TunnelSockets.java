package dev.asterism.server.http;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.core.user.User;
import dev.asterism.protocol.tunnel.TunnelStream;
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
 */
final class TunnelSockets {

    static final String PATH = ApiRoutes.PREFIX + ApiRoutes.TUNNEL;
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
        app.ws(PATH, ws -> {
            ws.onConnect(context -> {
                User caller = context.attribute(CALLER);
                TunnelRelay.Target target = context.attribute(TARGET);
                try {
                    open.put(context.sessionId(), new Open(relay.open(caller, target, new UserEnd(context)),
                            context.attribute(CREDENTIAL)));
                } catch (AsterismException refused) {
                    context.closeSession(CLOSED_WITH_REASON, refused.getMessage());
                }
            });
            ws.onBinaryMessage(context -> {
                TunnelStream stream = streamOf(context.sessionId());
                if (stream == null) {
                    return;
                }
                try {
                    stream.fromLocal(context.data(), context.offset(), context.length());
                } catch (IOException closed) {
                    // The stream closed the WebSocket with its reason already.
                }
            });
            ws.onMessage(context -> {
                TunnelStream stream = streamOf(context.sessionId());
                if (stream != null && context.message().equals("eof")) {
                    stream.localEnded();
                } else if (stream != null) {
                    stream.close("the client sent text other than 'eof'");
                }
            });
            ws.onClose(context -> {
                Open ended = open.remove(context.sessionId());
                if (ended != null) {
                    ended.stream().close(context.status() == 1000 || context.status() == 1001 ? "closed by the user"
                            : "the user's connection ended (" + context.status() + ")");
                }
            });
            ws.onError(context -> {
                Open failed = open.remove(context.sessionId());
                if (failed != null) {
                    failed.stream().close("the user's connection failed");
                }
                LOG.log(Level.FINE, "a tunnel WebSocket failed", context.error());
            });
        });
    }

    private void authorize(Context context) {
        Checked checked = check(context, authenticator, relay);
        context.attribute(CALLER, checked.caller());
        context.attribute(TARGET, checked.target());
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

    /** An open tunnel: its stream and the token that opened it. */
    private record Open(TunnelStream stream, Supplier<Optional<User>> credential) {
    }

    private TunnelStream streamOf(String sessionId) {
        Open tunnel = open.get(sessionId);
        return tunnel == null ? null : tunnel.stream();
    }

    /** Closes every tunnel whose token no longer holds; its WebSocket's close then forgets it. */
    private void recheckCredentials() {
        open.values().forEach(tunnel -> {
            try {
                if (tunnel.credential().get().isEmpty()) {
                    tunnel.stream().close("the API token that opened this tunnel was revoked, or its user deleted:"
                            + " log in again");
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
