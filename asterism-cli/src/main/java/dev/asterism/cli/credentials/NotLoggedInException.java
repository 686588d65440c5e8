package dev.asterism.cli.credentials;

/** A command needs the server's address and a token, and there is no credentials file. */
public final class NotLoggedInException extends RuntimeException {

    public NotLoggedInException() {
        super("not logged in: run `asterism login --server URL --user NAME`");
    }
}
