package dev.asterism.agent.channel;

import static java.util.Objects.requireNonNull;

import dev.asterism.agent.AgentTransport;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.ProtocolException;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The agent's end of the agent channel: one WebSocket connection over TLS 1.3 that the agent dials to
 * {@code wss://host:port/agent/v1}, made with the JDK's {@link HttpClient}.
 *
 * <p>It trusts only the CA pinned in its {@link AgentTlsIdentity} (the fingerprint from the VM's bootstrap data)
 * and presents the identity's client certificate when it has one. Two things happen on the way through, so that
 * the rest of the agent need not know about TLS:
 * <ul>
 *   <li>a {@link Register} sent without a {@code tlsPublicKey} gets the identity's;</li>
 *   <li>a {@link Registered} that carries certificates hands them to the identity before it is passed on, so the
 *       next connection (a new channel on the same identity) presents the client certificate. This connection
 *       stays open: the server has bound it to the VM already.</li>
 * </ul>
 *
 * <p>One channel is one connection ({@link AgentTransport}); after it closes, dial a new one on the same identity.
 */
public final class WebSocketChannel implements AgentTransport {

    private static final Logger LOG = Logger.getLogger(WebSocketChannel.class.getName());
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final URI serverUrl;
    private final AgentTlsIdentity identity;
    private final Duration connectTimeout;
    private final Clock clock;
    private final ProtocolCodec codec = new ProtocolCodec();
    private final AtomicBoolean opened = new AtomicBoolean();
    private final AtomicBoolean finished = new AtomicBoolean();
    private final Object sendLock = new Object();
    private volatile HttpClient client;
    private volatile WebSocket socket;
    private volatile Runnable onClosed = () -> { };
    private volatile String closeStatus;

    /**
     * A channel, not yet connected.
     *
     * @param serverUrl the agent endpoint, {@code wss://host:port/agent/v1}
     * @throws IllegalArgumentException when the URL is not a {@code wss} URL
     */
    public WebSocketChannel(URI serverUrl, AgentTlsIdentity identity, Duration connectTimeout, Clock clock) {
        this.serverUrl = requireNonNull(serverUrl, "serverUrl is null");
        this.identity = requireNonNull(identity, "identity is null");
        this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout is null");
        this.clock = requireNonNull(clock, "clock is null");
        if (!"wss".equals(serverUrl.getScheme())) {
            throw new IllegalArgumentException("the agent channel needs a wss:// URL, not " + serverUrl.getScheme());
        }
    }

    /** A channel with a 10-second connect timeout and the system clock. */
    public WebSocketChannel(URI serverUrl, AgentTlsIdentity identity) {
        this(serverUrl, identity, Duration.ofSeconds(10), Clock.systemUTC());
    }

    /**
     * Connects: TLS with the pinned CA (and the client certificate, when the identity has one), then the WebSocket
     * upgrade. Messages from the server go to {@code onMessage} one at a time, in order, on the HTTP client's
     * thread.
     *
     * @throws UncheckedIOException when the server cannot be reached or is not trusted; its message says why, for
     *     example that the server's chain does not lead to the pinned CA fingerprint
     * @throws IllegalStateException when this channel was opened before
     */
    @Override
    public void open(Consumer<Message> onMessage, Consumer<TunnelFrame> onFrame, Runnable onClosed) {
        requireNonNull(onMessage, "onMessage is null");
        requireNonNull(onFrame, "onFrame is null");
        requireNonNull(onClosed, "onClosed is null");
        if (!opened.compareAndSet(false, true)) {
            throw new IllegalStateException("this channel was opened before: dial a new one");
        }
        this.onClosed = onClosed;
        HttpClient newClient = HttpClient.newBuilder()
                .sslContext(identity.sslContext(clock.instant()))
                .connectTimeout(connectTimeout)
                .build();
        client = newClient;
        try {
            socket = newClient.newWebSocketBuilder()
                    .connectTimeout(connectTimeout)
                    .buildAsync(serverUrl, new Listener(onMessage, onFrame))
                    .get(connectTimeout.toMillis() * 2, TimeUnit.MILLISECONDS);
        } catch (ExecutionException failed) {
            newClient.shutdownNow();
            throw new UncheckedIOException(new IOException("cannot connect to the Asterism server at " + serverUrl
                    + ": " + reason(failed.getCause()), failed.getCause()));
        } catch (TimeoutException timedOut) {
            newClient.shutdownNow();
            throw new UncheckedIOException(new IOException("cannot connect to the Asterism server at " + serverUrl
                    + ": no answer within " + connectTimeout.multipliedBy(2).toSeconds() + " s", timedOut));
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            newClient.shutdownNow();
            throw new UncheckedIOException(new IOException("interrupted while connecting to " + serverUrl));
        }
    }

    /**
     * Sends one message and waits until it is written. A {@link Register} without a TLS key gets this agent's.
     *
     * @throws UncheckedIOException when the channel is not open or the write fails
     */
    @Override
    public void send(Message message) {
        requireNonNull(message, "message is null");
        Message outgoing = message;
        if (message instanceof Register register && register.tlsPublicKey().isEmpty()) {
            outgoing = register.withTlsPublicKey(identity.tlsPublicKey());
        }
        String text = codec.encode(outgoing);
        synchronized (sendLock) {
            WebSocket current = socket;
            if (current == null || current.isOutputClosed() || finished.get()) {
                throw new UncheckedIOException(new IOException("the channel to " + serverUrl + " is closed"
                        + closeStatus().map(status -> " (" + status + ")").orElse("")));
            }
            try {
                current.sendText(text, true).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException failed) {
                Throwable cause = failed instanceof ExecutionException ? failed.getCause() : failed;
                current.abort();
                finish("send failed: " + reason(cause));
                throw new UncheckedIOException(new IOException("cannot send to " + serverUrl + ": " + reason(cause),
                        cause));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new UncheckedIOException(new IOException("interrupted while sending to " + serverUrl));
            }
        }
    }

    /** Sends one tunnel frame as a binary message and waits until it is written; false when that fails. */
    @Override
    public boolean send(TunnelFrame frame) {
        requireNonNull(frame, "frame is null");
        ByteBuffer bytes = frame.encode();
        synchronized (sendLock) {
            WebSocket current = socket;
            if (current == null || current.isOutputClosed() || finished.get()) {
                return false;
            }
            try {
                current.sendBinary(bytes, true).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (ExecutionException | TimeoutException failed) {
                Throwable cause = failed instanceof ExecutionException ? failed.getCause() : failed;
                current.abort();
                finish("send failed: " + reason(cause));
                return false;
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /** Closes the connection (normal closure); {@code onClosed} runs once. Closing twice does nothing. */
    @Override
    public void close() {
        WebSocket current = socket;
        if (current != null && !current.isOutputClosed()) {
            try {
                current.sendClose(WebSocket.NORMAL_CLOSURE, "agent closing").get(2, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException failed) {
                LOG.log(Level.FINE, "the close handshake with " + serverUrl + " failed", failed);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            current.abort();
        }
        finish("closed by the agent");
    }

    /** Whether the connection is open: opened, and not closed by either side. */
    public boolean isOpen() {
        WebSocket current = socket;
        return current != null && !finished.get() && !current.isInputClosed();
    }

    /**
     * How the connection ended, for example {@code 1008 registration refused}; empty while it is open. The server's
     * close reasons never contain a secret.
     */
    public Optional<String> closeStatus() {
        return Optional.ofNullable(closeStatus);
    }

    public AgentTlsIdentity identity() {
        return identity;
    }

    private void finish(String status) {
        if (finished.compareAndSet(false, true)) {
            closeStatus = status;
            HttpClient current = client;
            if (current != null) {
                current.shutdownNow();
            }
            try {
                onClosed.run();
            } catch (RuntimeException failure) {
                LOG.log(Level.WARNING, "the agent's close handler failed", failure);
            }
        }
    }

    private static String reason(Throwable failure) {
        // The most specific message is usually the innermost one (for TLS, the trust manager's).
        Throwable innermost = failure;
        while (innermost.getCause() != null && innermost.getCause() != innermost) {
            innermost = innermost.getCause();
        }
        String message = innermost.getMessage() == null ? innermost.getClass().getSimpleName() : innermost.getMessage();
        if (innermost != failure && failure.getMessage() != null && !failure.getMessage().contains(message)) {
            return failure.getMessage() + ": " + message;
        }
        return message;
    }

    /** Reassembles text messages and tunnel frames, decodes them, and hands them on one at a time. */
    private final class Listener implements WebSocket.Listener {
        private final Consumer<Message> onMessage;
        private final Consumer<TunnelFrame> onFrame;
        private final StringBuilder partial = new StringBuilder();
        private final ByteArrayOutputStream partialFrame = new ByteArrayOutputStream();

        Listener(Consumer<Message> onMessage, Consumer<TunnelFrame> onFrame) {
            this.onMessage = onMessage;
            this.onFrame = onFrame;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (partial.length() > ProtocolCodec.MAX_MESSAGE_CHARS) {
                webSocket.abort();
                finish("the server sent a message larger than " + ProtocolCodec.MAX_MESSAGE_CHARS + " characters");
                return null;
            }
            if (!last) {
                webSocket.request(1);
                return null;
            }
            String text = partial.toString();
            partial.setLength(0);
            Message message;
            try {
                message = codec.decode(text).message();
            } catch (ProtocolException unreadable) {
                LOG.warning("the server sent a message this agent cannot read: " + unreadable.getMessage());
                webSocket.sendClose(1007, "unreadable message");
                webSocket.abort();
                finish("unreadable message from the server: " + unreadable.getMessage());
                return null;
            }
            if (message instanceof Registered registered && registered.clientCertificate().isPresent()
                    && registered.caCertificate().isPresent()) {
                try {
                    identity.acceptCertificates(registered.clientCertificate().get(),
                            registered.caCertificate().get());
                } catch (IllegalArgumentException | UncheckedIOException refused) {
                    LOG.warning("the agent did not take the certificates of its registration: "
                            + refused.getMessage());
                }
            }
            try {
                onMessage.accept(message);
            } catch (RuntimeException failure) {
                LOG.log(Level.WARNING, "the agent failed on a " + message.type().wireName() + " message", failure);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            byte[] bytes = new byte[data.remaining()];
            data.get(bytes);
            partialFrame.writeBytes(bytes);
            if (partialFrame.size() > TunnelFrame.MAX_DATA + 64) {
                webSocket.abort();
                finish("the server sent a tunnel frame larger than " + TunnelFrame.MAX_DATA + " bytes");
                return null;
            }
            if (!last) {
                webSocket.request(1);
                return null;
            }
            ByteBuffer whole = ByteBuffer.wrap(partialFrame.toByteArray());
            partialFrame.reset();
            TunnelFrame frame;
            try {
                frame = TunnelFrame.decode(whole);
            } catch (ProtocolException unreadable) {
                LOG.warning("the server sent a tunnel frame this agent cannot read: " + unreadable.getMessage());
                webSocket.sendClose(1007, "unreadable tunnel frame");
                webSocket.abort();
                finish("unreadable tunnel frame from the server: " + unreadable.getMessage());
                return null;
            }
            try {
                onFrame.accept(frame);
            } catch (RuntimeException failure) {
                LOG.log(Level.WARNING, "the agent failed on a tunnel frame", failure);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            finish(statusCode + (reason == null || reason.isEmpty() ? "" : " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            finish("connection failed: " + reason(error));
        }
    }
}
