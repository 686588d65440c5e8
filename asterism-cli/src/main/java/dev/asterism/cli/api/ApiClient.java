package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CancellationException;

/**
 * Talks JSON to one Asterism server under {@code /api/v1}. Every method answers the parsed response body (a
 * missing node for an empty body), or throws:
 *
 * <ul>
 *   <li>{@link ApiException} when the server answers with an error status;
 *   <li>{@link ServerUnreachableException} when no answer comes;
 *   <li>{@link UnexpectedResponseException} when a successful answer is not JSON.
 * </ul>
 */
public final class ApiClient {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final String USER_AGENT = "asterism-cli/0.1.0";

    private final HttpClient http;
    private final String server;
    private final Optional<String> token;
    private final Json json;

    /**
     * @param server the base URL the user gave, without a trailing slash
     * @param token the bearer token, or empty for the one call that needs none (creating a token)
     */
    public ApiClient(HttpClient http, String server, Optional<String> token, Json json) {
        this.http = requireNonNull(http, "http is null");
        this.server = requireNonNull(server, "server is null");
        this.token = requireNonNull(token, "token is null");
        this.json = requireNonNull(json, "json is null");
    }

    /** Encodes one path segment (a VM, user or brick name) so that no name can change the path. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Encodes one query parameter value. */
    public static String queryValue(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    public String server() {
        return server;
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    private JsonNode send(String method, String path, Object body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server + "/api/v1" + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json")
                .header("User-Agent", USER_AGENT);
        token.ifPresent(secret -> request.header("Authorization", "Bearer " + secret));
        if (body == null) {
            request.method(method, BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json");
            request.method(method, BodyPublishers.ofString(json.write(body), StandardCharsets.UTF_8));
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ServerUnreachableException(server, reasonOf(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for the server at " + server);
        }
        if (response.statusCode() / 100 != 2) {
            throw new ApiException(ApiError.from(response.statusCode(), response.body(), json));
        }
        return json.parse(response.body());
    }

    /** The HTTP client often wraps the useful words ("Connection refused") a few causes deep, or leaves them out. */
    private static String reasonOf(IOException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
                return cause.getMessage();
            }
        }
        if (failure instanceof ConnectException) {
            return "connection refused";
        }
        return failure.getClass().getSimpleName();
    }
}
