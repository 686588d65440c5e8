package dev.asterism.core.constellation;

import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Message;

/** How reconcilers reach the agents in VMs, through the agent channel. Implemented by the server's gateway. */
public interface AgentCommands {

    /**
     * Sends a command to the agent of a VM and waits for its result. Commands are idempotent on their id, so a
     * caller that does not know whether a command ran sends it again with the same id.
     *
     * @throws AgentUnavailableException when the agent is not connected or does not answer in time (retryable)
     */
    CommandResult execute(String vmId, ControllerCommand command);

    /** Hands a message to a connected agent; false when it is not connected. */
    boolean deliver(String vmId, Message message);

    /** The agent cannot be reached now; the same call may succeed later. */
    final class AgentUnavailableException extends RuntimeException {
        public AgentUnavailableException(String message) {
            super(message);
        }
    }
}
