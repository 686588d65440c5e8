package dev.asterism.agent;

/**
 * The agent's state directory cannot be read or written: it is missing, unreadable, not the agent's format, or
 * the disk refused a write. The message names the file and what is wrong, never a value from it (the state holds
 * the agent's private key and, on a controller, the domain's administrator password).
 */
public class AgentStateException extends RuntimeException {

    public AgentStateException(String message) {
        super(message);
    }

    public AgentStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
