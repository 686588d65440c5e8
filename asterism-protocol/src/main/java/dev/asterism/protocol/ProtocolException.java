package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

/**
 * A message that this peer cannot read. The message says what is wrong and, when the sender is newer, what to
 * upgrade; it names fields but never repeats a field's value, the offending JSON text, or any secret.
 */
public class ProtocolException extends RuntimeException {

    /** Why a message cannot be read. */
    public enum Code {
        /** Not JSON, not one JSON object, a duplicated field, or larger than {@link ProtocolCodec#MAX_MESSAGE_CHARS}. */
        MALFORMED,
        /** The envelope's major version is one this release does not speak. */
        UNSUPPORTED_VERSION,
        /** The envelope's type is one this release does not know (the sender is newer). */
        UNKNOWN_TYPE,
        /** An enum field (role, status, kind) holds a value this release does not know (the sender is newer). */
        UNKNOWN_VALUE,
        /** A required field is absent or null. */
        MISSING_FIELD,
        /** A field has the wrong JSON type or a value the message does not accept. */
        INVALID_FIELD
    }

    private final Code code;

    public ProtocolException(Code code, String message) {
        super(message);
        this.code = requireNonNull(code, "code is null");
    }

    /** Why the message cannot be read. */
    public Code code() {
        return code;
    }
}
