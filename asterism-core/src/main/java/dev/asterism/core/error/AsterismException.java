package dev.asterism.core.error;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;

/** A failure a user can act on: a code, a message saying what to do, and details naming fields or values. */
public class AsterismException extends RuntimeException {
    private final ErrorCode code;
    private final Map<String, Object> details;

    public AsterismException(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public AsterismException(ErrorCode code, String message, Map<String, ?> details) {
        super(requireNonNull(message, "message is null"));
        this.code = requireNonNull(code, "code is null");
        this.details = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public ErrorCode code() {
        return code;
    }

    public Map<String, Object> details() {
        return details;
    }

    public static AsterismException notFound(String kind, String name) {
        return new AsterismException(ErrorCode.NOT_FOUND, "no " + kind + " named '" + name + "'", Map.of(kind, name));
    }

    public static AsterismException alreadyExists(String kind, String name) {
        return new AsterismException(
                ErrorCode.ALREADY_EXISTS, "a " + kind + " named '" + name + "' exists already", Map.of(kind, name));
    }

    public static AsterismException invalid(String field, String message) {
        return new AsterismException(ErrorCode.VALIDATION_FAILED, field + ": " + message, Map.of("field", field));
    }

    public static AsterismException forbidden(String message) {
        return new AsterismException(ErrorCode.FORBIDDEN, message);
    }
}
