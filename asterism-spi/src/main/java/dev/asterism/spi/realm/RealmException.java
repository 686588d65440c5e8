package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

/** A realm operation that failed. The message is shown to users: it says what happened, never a secret. */
public class RealmException extends RuntimeException {

    /** Why an operation failed. */
    public enum Code {
        /** The VM does not exist in the realm. */
        NOT_FOUND,
        /** The realm has no room for the VM. */
        NO_CAPACITY,
        /** The spec cannot be satisfied by this realm (unknown image, unsupported OS). */
        INVALID_SPEC,
        /** The operation needs a capability this driver does not have. */
        UNSUPPORTED,
        /** The hypervisor failed or is unreachable; the same call may succeed later. */
        UNAVAILABLE
    }

    private final Code code;

    public RealmException(Code code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
    }

    public RealmException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
    }

    public Code code() {
        return code;
    }

    /** Whether the same call may succeed later. */
    public boolean retryable() {
        return code == Code.UNAVAILABLE;
    }
}
