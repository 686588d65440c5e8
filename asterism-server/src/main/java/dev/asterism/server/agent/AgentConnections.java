package dev.asterism.server.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.Message;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The agents connected now, one connection per VM, and the way the server sends them messages. The
 * {@link AgentEndpoint} adds and removes connections; the rest of the server only reads and sends. Safe for use by
 * many threads.
 */
public final class AgentConnections {

    /** One bound connection, as the endpoint sees it. */
    interface Connection {
        /** Sends one message; false when the connection is closed or the write failed. */
        boolean send(Message message);

        /** Sends one tunnel frame; false when the connection is closed or the write failed. */
        boolean send(TunnelFrame frame);

        /** Closes the connection with a WebSocket status and a short reason. */
        void close(int status, String reason);
    }

    private final ConcurrentMap<String, Connection> byVmId = new ConcurrentHashMap<>();

    /**
     * Sends a message to a VM's agent.
     *
     * @return true when the message was written to the agent's connection; false when the agent is not connected
     *     or the connection broke while writing (the agent then reconnects, and the caller retries later)
     */
    public boolean send(String vmId, Message message) {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(message, "message is null");
        Connection connection = byVmId.get(vmId);
        return connection != null && connection.send(message);
    }

    /** Sends a tunnel frame to a VM's agent; false when it is not connected or the write failed. */
    public boolean send(String vmId, TunnelFrame frame) {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(frame, "frame is null");
        Connection connection = byVmId.get(vmId);
        return connection != null && connection.send(frame);
    }

    /** Whether the VM's agent has a bound connection now. */
    public boolean isConnected(String vmId) {
        requireNonNull(vmId, "vmId is null");
        return byVmId.containsKey(vmId);
    }

    /** Binds a connection to a VM, returning the connection it replaces. */
    Optional<Connection> bind(String vmId, Connection connection) {
        return Optional.ofNullable(byVmId.put(vmId, connection));
    }

    /** Unbinds the connection when it is still the VM's current one; true when it was. */
    boolean unbind(String vmId, Connection connection) {
        return byVmId.remove(vmId, connection);
    }
}
