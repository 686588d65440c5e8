package dev.asterism.server.http;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The one place that turns failures into {@code {"error", "message", "details"}} with an HTTP status. */
public final class ErrorResponses {
    private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());

    private ErrorResponses() {}

    record ErrorBody(String error, String message, Map<String, Object> details) {}

    /** The HTTP status of an error code: the one mapping, for the API and the panel. */
    public static int status(ErrorCode code) {
        return switch (code) {
            case MALFORMED_REQUEST -> 400;
            case UNSUPPORTED_MEDIA_TYPE -> 415;
            case VALIDATION_FAILED -> 422;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN, CSRF_TOKEN_INVALID -> 403;
            case NOT_FOUND -> 404;
            case ALREADY_EXISTS, CONFLICT -> 409;
            case TOO_MANY_REQUESTS -> 429;
            case REALM_UNAVAILABLE, AGENT_UNAVAILABLE -> 503;
            case INTERNAL -> 500;
        };
    }

    static void asterism(AsterismException e, Context context) {
        if (e.code() == ErrorCode.TOO_MANY_REQUESTS && e.details().get("retryAfterSeconds") != null) {
            context.header("Retry-After", e.details().get("retryAfterSeconds").toString());
        }
        write(context, e.code(), e.getMessage(), e.details());
    }

    /** Javalin's own responses: no route for the path (404) or not for this method (405). */
    static void javalin(HttpResponseException e, Context context) {
        if (e.getStatus() == 404) {
            write(context, 404, ErrorCode.NOT_FOUND, "no API endpoint " + context.method() + " " + context.path()
                    + ": see /api/v1/openapi.json", Map.of("route", "unknown"));
        } else if (e.getStatus() == 405) {
            write(context, 405, ErrorCode.MALFORMED_REQUEST, "method " + context.method() + " is not allowed on "
                    + context.path() + ": see /api/v1/openapi.json", Map.of());
        } else if (e.getStatus() == 413) {
            write(context, 413, ErrorCode.MALFORMED_REQUEST, BodyLimitFilter.TOO_LARGE, Map.of());
        } else {
            write(context, e.getStatus(), ErrorCode.MALFORMED_REQUEST, e.getMessage(), Map.of());
        }
    }

    /** A bug or a failed database: logged with its trace on the server, never shown to the client. */
    static void unexpected(Exception e, Context context) {
        String incident = Long.toHexString(System.nanoTime());
        LOG.log(Level.SEVERE, "unexpected failure " + incident + " on " + context.method() + " " + context.path(), e);
        write(context, ErrorCode.INTERNAL, "the server failed unexpectedly (incident " + incident
                + "); the request may not have been applied: check and retry, or report the incident id", Map.of());
    }

    static void write(Context context, ErrorCode code, String message, Map<String, Object> details) {
        write(context, status(code), code, message, details);
    }

    private static void write(Context context, int status, ErrorCode code, String message, Map<String, Object> details) {
        Map<String, Object> cutDetails = new java.util.LinkedHashMap<>();
        details.forEach((key, value) -> cutDetails.put(key, value instanceof String text ? cut(text) : value));
        context.status(status).json(new ErrorBody(code.name(), cut(message), cutDetails));
    }

    /** Messages name what the caller sent; a huge value comes back cut, not whole (and not twice). */
    static String cut(String text) {
        int limit = 600;
        if (text == null || text.length() <= limit) {
            return text;
        }
        return text.substring(0, limit) + "… (" + (text.length() - limit) + " more characters cut)";
    }
}
