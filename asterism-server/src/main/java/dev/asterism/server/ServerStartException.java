package dev.asterism.server;

/** The server cannot start; the message says what to fix. */
public final class ServerStartException extends RuntimeException {
    public ServerStartException(String message) {
        super(message);
    }

    public ServerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
