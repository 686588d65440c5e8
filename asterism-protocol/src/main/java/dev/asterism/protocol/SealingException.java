package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

/**
 * Sealing or opening failed. The message says what failed and what to check; it never contains a plaintext, a
 * private key or a derived key.
 */
public class SealingException extends RuntimeException {

    /** Why sealing or opening failed. */
    public enum Code {
        /** A key is not an X25519 key, is badly encoded, or is a low-order point that gives no shared secret. */
        INVALID_KEY,
        /** The associated data of the box is not the one the caller expected: it was sealed for something else. */
        WRONG_ASSOCIATED_DATA,
        /**
         * The box does not open: it was changed in transit, or sealed to another key. The two are
         * indistinguishable by design.
         */
        AUTHENTICATION_FAILED,
        /** The JDK lacks X25519, HMAC-SHA256 or AES-GCM (not a Java 11+ runtime). */
        UNAVAILABLE
    }

    private final Code code;

    public SealingException(Code code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
    }

    public SealingException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = requireNonNull(code, "code is null");
    }

    /** Why it failed. */
    public Code code() {
        return code;
    }
}
