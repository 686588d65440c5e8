package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * A guest-platform operation that failed. The message is shown to users and written to logs: it says what
 * happened and what to check, and never contains a password, a one-time password, a private key or a script's
 * secret environment.
 */
public class GuestException extends RuntimeException {

    /** Why an operation failed. */
    public enum Code {
        /** The arguments cannot be satisfied (a malformed name, a deadline in the past, a wrong one-time password). */
        INVALID,
        /** Something the call needs does not exist (no provisioned domain, no preset computer, no hub interface). */
        NOT_FOUND,
        /** A one-time password that has been used once already. It never works again; preset the computer anew. */
        ALREADY_USED,
        /** The platform holds a different state that this call must not overwrite (another domain, a taken address). */
        CONFLICT,
        /** The platform lacks the part; callers check {@link GuestPlatform#capabilities()} first. */
        UNSUPPORTED,
        /** A service or a peer did not answer or failed for now (DC unreachable, a tool crashed); may pass later. */
        UNAVAILABLE,
        /** The operation did not finish within its time limit and was stopped; may pass later. */
        TIMEOUT
    }

    private final Code code;

    public GuestException(Code code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
    }

    public GuestException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
    }

    public Code code() {
        return code;
    }

    /** Whether the same call may succeed later without anything else changing first. */
    public boolean retryable() {
        return switch (code) {
            case UNAVAILABLE, TIMEOUT -> true;
            case INVALID, NOT_FOUND, ALREADY_USED, CONFLICT, UNSUPPORTED -> false;
        };
    }
}
