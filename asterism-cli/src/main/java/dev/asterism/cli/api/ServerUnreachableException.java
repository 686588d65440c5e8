package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/** No answer came from the server: it is down, the address is wrong, or the network is in the way. */
public final class ServerUnreachableException extends RuntimeException {

    private final String server;

    public ServerUnreachableException(String server, String reason) {
        super("cannot reach the server at " + requireNonNull(server, "server is null") + ": " + reason);
        this.server = server;
    }

    public String server() {
        return server;
    }
}
