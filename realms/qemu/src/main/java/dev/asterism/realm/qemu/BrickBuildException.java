package dev.asterism.realm.qemu;

/** Building a brick failed; the message names the step and what to do. */
public final class BrickBuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BrickBuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
