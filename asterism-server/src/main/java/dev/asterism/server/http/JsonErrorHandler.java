package dev.asterism.server.http;

import dev.asterism.core.error.ErrorCode;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own answers (a request it cannot parse, a URI or headers past its limits, an HTTP version it does not
 * speak) in the API's JSON error form instead of Jetty's HTML page, with what to do.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        return ByteBuffer.wrap(body(status, reason));
    }

    @Override
    public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
            throws IOException {
        baseRequest.setHandled(true);
        Object reason = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
        response.setContentType("application/json");
        response.getOutputStream().write(body(response.getStatus(), reason == null ? null : reason.toString()));
    }

    static byte[] body(int status, String reason) {
        String message = switch (status) {
            case 414 -> "the request's URI is longer than the server reads (8 KB): shorten it";
            case 431 -> "the request's headers are larger than the server reads (8 KB): send fewer or shorter ones";
            case 505 -> "this HTTP version is not spoken here: send HTTP/1.1";
            default -> "the server cannot serve this request" + (reason == null || reason.isBlank() ? ""
                    : " (" + reason + ")") + ": send a valid HTTP/1.1 request, see /api/v1/openapi.json";
        };
        ErrorCode code = status >= 500 && status != 505 ? ErrorCode.INTERNAL : ErrorCode.MALFORMED_REQUEST;
        try {
            return Json.MAPPER.writeValueAsBytes(new ErrorResponses.ErrorBody(code.name(), ErrorResponses.cut(message),
                    Map.of()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
