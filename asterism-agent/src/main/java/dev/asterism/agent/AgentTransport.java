package dev.asterism.agent;

import dev.asterism.protocol.Message;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.util.function.Consumer;

/**
 * The agent's channel to the server, as the {@link Agent} sees it: messages in, messages out. The real one is a
 * WebSocket over TLS that the agent dials ({@code dev.asterism.agent.channel}); tests use an in-memory pair.
 *
 * <p>One transport carries one connection. When it closes, the agent instance that used it stops; whoever runs the
 * agent makes a new transport and a new {@link Agent} on the same {@link AgentState}, which resends what the server
 * may have missed (the last step report) and resumes pending work.
 */
public interface AgentTransport extends AutoCloseable {

    /**
     * Connects, or takes over an established connection, and from then on hands every message from the server to
     * {@code onMessage}, in the order received and one at a time. Called once, by {@link Agent#start()}.
     *
     * @param onMessage called for each message from the server; it must not block the transport for long (the
     *     agent hands the work to its own thread)
     * @param onFrame called for each tunnel frame from the server, in order; it must not block at all
     * @param onClosed called once when the connection ends, for whatever reason, including {@link #close()}; no
     *     message follows it
     * @throws java.io.UncheckedIOException when the server cannot be reached; nothing is open then
     * @throws IllegalStateException when the transport was opened before
     */
    void open(Consumer<Message> onMessage, Consumer<TunnelFrame> onFrame, Runnable onClosed);

    /**
     * Sends one message. May be called from any thread; messages sent from one thread arrive in the order sent.
     *
     * @throws java.io.UncheckedIOException when the connection is closed or the write fails; the message may then
     *     be lost, and the agent repeats what matters after a reconnect
     */
    void send(Message message);

    /**
     * Sends one tunnel frame. May be called from any thread.
     *
     * @return false when the connection is closed or the write failed (the tunnel is then lost)
     */
    boolean send(TunnelFrame frame);

    /** Closes the connection. Closing a closed transport does nothing. */
    @Override
    void close();
}
