package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer of the API, {@code {"error": CODE, "message": text, "details": {...}}}.
 *
 * @param status the HTTP status, so that callers can tell "gone" (404) from other failures
 * @param details field name to value, in the server's order, values already rendered as text
 */
public record ApiError(int status, String code, String message, Map<String, String> details) {

    public ApiError {
        requireNonNull(code, "code is null");
        requireNonNull(message, "message is null");
        details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    /**
     * Reads an error body; a body that is not in the API's error shape (say, a proxy's HTML page) still gives an
     * error the user can act on, with a code made from the HTTP status.
     */
    public static ApiError from(int status, String body, Json json) {
        JsonNode root;
        try {
            root = json.parse(body);
        } catch (UnexpectedResponseException notJson) {
            return withoutBody(status);
        }
        if (!root.isObject() || !root.path("error").isTextual()) {
            return withoutBody(status);
        }
        String message = root.path("message").isTextual() ? root.path("message").asText() : "the server gave no message";
        Map<String, String> details = new LinkedHashMap<>();
        root.path("details").properties().forEach(field -> details.put(field.getKey(), render(field.getValue(), json)));
        return new ApiError(status, root.path("error").asText(), message, details);
    }

    private static ApiError withoutBody(int status) {
        return new ApiError(status, "HTTP_" + status, "the server answered with HTTP status " + status, Map.of());
    }

    private static String render(JsonNode value, Json json) {
        if (value.isValueNode()) {
            return value.asText();
        }
        return json.compact(value);
    }
}
