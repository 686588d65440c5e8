package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

/**
 * A command that the agent refuses or cannot do for a reason of its own (a missing argument, the wrong role, a
 * controller not provisioned yet), answered as a failed {@link dev.asterism.protocol.CommandResult} with
 * {@code code} in its results. Failures of the guest platform arrive as
 * {@link dev.asterism.spi.guest.GuestException} instead. The message is shown to people and never holds a secret.
 */
final class CommandFailure extends RuntimeException {

    private final String code;
    private final boolean retryable;

    CommandFailure(String code, String message, boolean retryable) {
        super(message);
        this.code = requireNonNull(code, "code is null");
        this.retryable = retryable;
    }

    String code() {
        return code;
    }

    boolean retryable() {
        return retryable;
    }
}
