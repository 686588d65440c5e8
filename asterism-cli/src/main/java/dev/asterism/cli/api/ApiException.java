package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/** The server refused a request and said why. */
public final class ApiException extends RuntimeException {

    private final ApiError error;

    public ApiException(ApiError error) {
        super(requireNonNull(error, "error is null").message() + " (" + error.code() + ")");
        this.error = error;
    }

    public ApiError error() {
        return error;
    }

    /** True when the thing asked for does not exist (any more). */
    public boolean isNotFound() {
        return error.status() == 404;
    }
}
