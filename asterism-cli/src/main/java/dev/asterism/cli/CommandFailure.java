package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

/** An expected way for a command to fail, with the message for the user and the exit status for scripts. */
final class CommandFailure extends RuntimeException {

    private final ExitStatus status;

    CommandFailure(ExitStatus status, String message) {
        super(requireNonNull(message, "message is null"));
        this.status = requireNonNull(status, "status is null");
    }

    ExitStatus status() {
        return status;
    }
}
