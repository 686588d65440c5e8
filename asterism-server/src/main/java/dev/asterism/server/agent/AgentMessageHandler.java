package dev.asterism.server.agent;

import dev.asterism.protocol.Message;
import dev.asterism.protocol.tunnel.TunnelFrame;

/**
 * Where the {@link AgentEndpoint} hands the messages of agents whose connection is bound to a VM: by a client
 * certificate this server issued, or by a registration accepted on the same connection.
 *
 * <p>Calls for one connection come one at a time, in the order the agent sent the messages, on that connection's
 * thread; calls for different connections may come at the same time. A method may block briefly (a database
 * transaction); while it runs, the connection reads nothing more.
 */
public interface AgentMessageHandler {

    /**
     * A message from the agent of a VM. The endpoint already checked that a message naming a VM names this one,
     * and it never passes {@code Register} or a server-to-agent message type here.
     *
     * @throws RuntimeException when the message cannot be handled now; the endpoint logs it and closes the
     *     connection with status 1011, so that the agent reconnects and reports again
     */
    void onMessage(String vmId, Message message);

    /**
     * A tunnel frame from the agent of a VM (a binary message). It must not block: the connection carries every
     * tunnel of the VM and the agent's messages.
     */
    void onTunnelFrame(String vmId, TunnelFrame frame);

    /**
     * The agent of a VM is connected and bound. When a second connection of the same agent replaces the first,
     * this is called again for the second, without {@link #onDisconnected} for the first in between.
     */
    void onConnected(String vmId);

    /** The VM's current connection closed; {@link AgentConnections#isConnected} is false already. */
    void onDisconnected(String vmId);

    /** A handler that ignores everything, for an endpoint whose messages nobody reads yet. */
    static AgentMessageHandler ignoring() {
        return new AgentMessageHandler() {
            @Override
            public void onMessage(String vmId, Message message) {
            }

            @Override
            public void onTunnelFrame(String vmId, TunnelFrame frame) {
            }

            @Override
            public void onConnected(String vmId) {
            }

            @Override
            public void onDisconnected(String vmId) {
            }
        };
    }
}
