package dev.asterism.bench;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The few REST calls the benchmark makes, over one shared {@link HttpClient} (HTTP/1.1 with keep-alive, one
 * connection per thread in flight), to a server on this host.
 */
final class BenchClient {
    private static final String API = "/api/v1";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int ERROR_BODY_LIMIT = 300;

    private final HttpClient http;
    private final String baseUrl;
    private final ObjectMapper json = new ObjectMapper();

    /** The client the benchmarks share: HTTP/1.1 with keep-alive to a server on loopback. */
    static HttpClient newHttpClient() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    BenchClient(HttpClient http, String serverUrl) {
        this.http = requireNonNull(http, "http is null");
        this.baseUrl = requireNonNull(serverUrl, "serverUrl is null") + API;
    }

    /** Logs in with a password and returns the new API token's secret. */
    String createToken(String username, String password, String tokenName) throws IOException, InterruptedException {
        String created = send(post("/auth/tokens", Map.of("username", username, "password", password,
                "name", tokenName)), 201);
        return json.readTree(created).path("token").asText();
    }

    void createUser(String adminToken, String username, String password) throws IOException, InterruptedException {
        send(authorized(post("/users", Map.of("username", username, "password", password, "role", "user")), adminToken),
                201);
    }

    void startVm(String token, String name, String brick) throws IOException, InterruptedException {
        send(authorized(post("/vms", Map.of("name", name, "brick", brick)), token), 202);
    }

    /**
     * Lists the VMs without reading the answer beyond its status, so that the client spends no time parsing
     * while it is measuring.
     */
    void listVms(String token) throws IOException, InterruptedException {
        send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/vms")).GET(), token), 200);
    }

    /** @return how many VMs the list holds */
    int countVms(String token) throws IOException, InterruptedException {
        return json.readTree(send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/vms")).GET(), token), 200))
                .size();
    }

    /** @return the server's verdict on the audit chain, as it sent it */
    JsonNode verifyAudit(String token) throws IOException, InterruptedException {
        return json.readTree(send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/audit/verify")).GET(), token),
                200));
    }

    /** Asks for a constellation with a controlling VM of {@code brick}; answered before it is ACTIVE. */
    void createConstellation(String token, String name, String brick) throws IOException, InterruptedException {
        send(authorized(post("/constellations", Map.of("name", name, "brick", brick)), token), 202);
    }

    /** @return the constellation with its state and its members (name, phase, condition, ...) */
    JsonNode showConstellation(String token, String name) throws IOException, InterruptedException {
        return json.readTree(send(authorized(get("/constellations/" + name), token), 200));
    }

    /**
     * Adds {@code count} members of {@code brick} (at most 100 per call, the API's limit), named by the server.
     *
     * @return the members added, as the server answered
     */
    JsonNode addMembers(String token, String constellation, String brick, int count)
            throws IOException, InterruptedException {
        return json.readTree(send(authorized(post("/constellations/" + constellation + "/members",
                Map.of("brick", brick, "count", count)), token), 202));
    }

    void destroyConstellation(String token, String name) throws IOException, InterruptedException {
        send(authorized(HttpRequest.newBuilder(URI.create(baseUrl + "/constellations/" + name)).DELETE(), token),
                202);
    }

    /** @return one page of audit events with this action after {@code afterSeq}, oldest first */
    JsonNode audit(String token, long afterSeq, int limit, String action) throws IOException, InterruptedException {
        return json.readTree(send(authorized(get("/audit?afterSeq=" + afterSeq + "&limit=" + limit + "&action="
                + URLEncoder.encode(action, StandardCharsets.UTF_8)), token), 200));
    }

    private HttpRequest.Builder get(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).GET();
    }

    private HttpRequest.Builder post(String path, Map<String, ?> body) throws JsonProcessingException {
        return HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)));
    }

    private static HttpRequest.Builder authorized(HttpRequest.Builder request, String token) {
        return request.header("Authorization", "Bearer " + token);
    }

    /** @return the body of the answer, which must have the expected status */
    private String send(HttpRequest.Builder request, int expectedStatus) throws IOException, InterruptedException {
        HttpRequest built = request.timeout(REQUEST_TIMEOUT).build();
        HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != expectedStatus) {
            String body = response.body();
            if (body.length() > ERROR_BODY_LIMIT) {
                body = body.substring(0, ERROR_BODY_LIMIT) + "...";
            }
            throw new IOException(built.method() + " " + built.uri().getPath() + ": HTTP " + response.statusCode()
                    + " instead of " + expectedStatus + ": " + body);
        }
        return response.body();
    }
}
