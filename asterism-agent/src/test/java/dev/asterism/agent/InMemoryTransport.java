package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.Message;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The test's end of an agent's channel: the test plays the server. Every message passes through the protocol codec
 * in both directions, as on the wire, and everything the agent sends is kept, as a message, as its JSON and as its
 * {@code toString}, so that a test can search it for secrets.
 */
final class InMemoryTransport implements AgentTransport {

    private static final ProtocolCodec CODEC = new ProtocolCodec();

    private final List<Message> sent = new CopyOnWriteArrayList<>();
    private final List<String> sentText = new CopyOnWriteArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<Message> onMessage;
    private volatile Consumer<TunnelFrame> onFrame;
    private final List<TunnelFrame> sentFrames = new CopyOnWriteArrayList<>();
    private volatile Runnable onClosed;

    @Override
    public void open(Consumer<Message> onMessage, Consumer<TunnelFrame> onFrame, Runnable onClosed) {
        if (this.onMessage != null) {
            throw new IllegalStateException("opened before");
        }
        this.onFrame = requireNonNull(onFrame, "onFrame is null");
        this.onClosed = requireNonNull(onClosed, "onClosed is null");
        this.onMessage = requireNonNull(onMessage, "onMessage is null");
    }

    @Override
    public void send(Message message) {
        if (closed.get()) {
            throw new UncheckedIOException(new IOException("the channel is closed"));
        }
        String json = CODEC.encode(message);
        sentText.add(json);
        sentText.add(message.toString());
        sent.add(CODEC.decode(json).message());
    }

    @Override
    public boolean send(TunnelFrame frame) {
        if (closed.get()) {
            return false;
        }
        sentFrames.add(TunnelFrame.decode(frame.encode()));
        return true;
    }

    /** The server sends a tunnel frame to the agent. */
    void deliver(TunnelFrame frame) {
        onFrame.accept(TunnelFrame.decode(frame.encode()));
    }

    List<TunnelFrame> sentFrames() {
        return List.copyOf(sentFrames);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && onClosed != null) {
            onClosed.run();
        }
    }

    /** The server sends {@code message} to the agent. */
    void deliver(Message message) {
        if (closed.get()) {
            throw new IllegalStateException("the channel is closed");
        }
        onMessage.accept(CODEC.decode(CODEC.encode(message)).message());
    }

    boolean isClosed() {
        return closed.get();
    }

    List<Message> sent() {
        return List.copyOf(sent);
    }

    <T extends Message> List<T> sent(Class<T> type) {
        return sent.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Every message sent, as JSON and as {@code toString}, one per line. */
    String sentText() {
        return String.join("\n", sentText);
    }
}
