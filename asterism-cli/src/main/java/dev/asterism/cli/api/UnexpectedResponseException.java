package dev.asterism.cli.api;

/** The server answered with something this CLI cannot read, usually because the two versions differ. */
public final class UnexpectedResponseException extends RuntimeException {

    public UnexpectedResponseException(String problem) {
        super("the server sent a response this CLI does not understand: " + problem);
    }
}
