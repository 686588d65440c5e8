package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.server.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

/** A small HTTP client for tests: JSON in and out, optionally with a bearer token. */
final class Api {
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    final String url;
    final String token;

    Api(String url, String token) {
        this.url = url;
        this.token = token;
    }

    static Api anonymous(String url) {
        return new Api(url, null);
    }

    static Api login(String url, String username, String password) {
        Response response = anonymous(url).post("/auth/tokens", Map.of("username", username, "password", password,
                "name", "test")).expect(201);
        return new Api(url, response.json().get("token").asText());
    }

    Response get(String path) {
        return send("GET", path, null, Map.of());
    }

    Response post(String path, Object body) {
        return send("POST", path, body, Map.of());
    }

    Response put(String path, Object body) {
        return send("PUT", path, body, Map.of());
    }

    Response delete(String path) {
        return send("DELETE", path, null, Map.of());
    }

    /** {@code body}: null for none, a String sent as it is, anything else as JSON. */
    Response send(String method, String path, Object body, Map<String, String> headers) {
        try {
            String target = path.startsWith("/healthz") || path.startsWith("/metrics") ? path : "/api/v1" + path;
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + target));
            String text = body == null ? null : body instanceof String s ? s : Json.MAPPER.writeValueAsString(body);
            request.method(method, text == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(text));
            if (text != null) {
                request.header("Content-Type", "application/json");
            }
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            headers.forEach(request::header);
            HttpResponse<String> response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body(), response.headers().map());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Response(int status, String body, Map<String, List<String>> headers) {
        Response expect(int expected) {
            assertThat(status).as("status of a response with body %s", body).isEqualTo(expected);
            return this;
        }

        JsonNode json() {
            try {
                return Json.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String error() {
            return json().get("error").asText();
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }
    }
}
