package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.server.http.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request bodies are JSON in UTF-8 or refused with the documented JSON error, and a header cannot change a request's
 * method: each case here was accepted (or answered 500) before, and nothing it sent may be stored.
 */
class HttpInputHardeningTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void a_body_that_is_not_declared_json_in_utf_8_is_415_with_the_json_error_and_nothing_is_stored() throws Exception {
        String user = "{\"username\":\"mallory\",\"password\":\"long-enough-pw\",\"role\":\"user\"}";
        for (String contentType : new String[] {"text/plain", "application/x-www-form-urlencoded",
                "application/json; charset=bogus", "application/json; charset=iso-8859-1"}) {
            HttpResponse<String> refused = post("/users", user.getBytes(StandardCharsets.UTF_8), contentType);
            assertThat(refused.statusCode()).as(contentType).isEqualTo(415);
            assertThat(error(refused).get("error").asText()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        }
        assertThat(post("/users", user.getBytes(StandardCharsets.UTF_8), null).statusCode()).as("no Content-Type")
                .isEqualTo(415);
        server.admin.get("/users/mallory").expect(404);
        assertThat(post("/users", user.getBytes(StandardCharsets.UTF_8), "application/json; charset=UTF-8")
                .statusCode()).isEqualTo(201);
    }

    @Test
    void invalid_utf_8_and_lone_surrogates_are_refused_instead_of_being_stored_as_replacement_characters()
            throws Exception {
        byte[] invalid = "{\"username\":\"bad\u00ff\",\"password\":\"long-enough-pw\",\"role\":\"user\"}"
                .getBytes(StandardCharsets.ISO_8859_1);
        HttpResponse<String> notUtf8 = post("/users", invalid, "application/json");
        assertThat(notUtf8.statusCode()).isEqualTo(400);
        assertThat(error(notUtf8).get("message").asText()).contains("not valid UTF-8");

        HttpResponse<String> surrogate = post("/constellations", "{\"name\":\"x\\ud800y\",\"brick\":\"controller\"}"
                .getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(surrogate.statusCode()).isEqualTo(400);
        assertThat(error(surrogate).get("message").asText()).contains("surrogate");
        // A whole pair is a character like any other (and then a name the rules refuse, with their reason).
        assertThat(post("/constellations", "{\"name\":\"x\\ud83d\\ude00y\",\"brick\":\"controller\"}"
                .getBytes(StandardCharsets.UTF_8), "application/json").statusCode()).isEqualTo(422);
    }

    @Test
    void a_method_override_header_does_not_turn_a_post_into_a_delete() throws Exception {
        server.admin.post("/vms", Map.of("name", "keep-me", "brick", "worker")).expect(202);
        for (String header : new String[] {"X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"}) {
            HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(URI.create(server.url()
                    + "/api/v1/vms/keep-me/stop")).header("Authorization", "Bearer " + server.admin.token)
                    .header(header, "DELETE").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(refused.statusCode()).as(header).isEqualTo(400);
            assertThat(error(refused).get("message").asText()).contains("not honoured");
        }
        assertThat(server.admin.get("/vms/keep-me").expect(200).json().get("desiredState").asText())
                .isNotEqualTo("DESTROYED");
    }

    @Test
    void a_huge_value_comes_back_cut_in_the_error_not_whole() throws Exception {
        // An unknown brick's name comes back in the message and in the details: each cut.
        String brick = "b".repeat(900_000);
        HttpResponse<String> refused = post("/vms", ("{\"name\":\"huge\",\"brick\":\"" + brick + "\"}")
                .getBytes(StandardCharsets.UTF_8), "application/json");
        assertThat(refused.statusCode()).isBetween(400, 499);
        assertThat(refused.body().length()).as("the answer's length").isLessThan(5_000);
        assertThat(error(refused).get("message").asText()).contains("cut");
    }

    @Test
    void a_chunked_body_past_the_limit_is_413_before_authentication() throws Exception {
        URI url = URI.create(server.url());
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(30_000);
            // 50 MiB offered in 1 MiB chunks: the server reads 1 MB and one byte of it, answers, and holds none of the
            // rest (Jetty may read and drop what still comes before the connection closes).
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    var out = socket.getOutputStream();
                    out.write(("POST /api/v1/auth/tokens HTTP/1.1\r\nHost: " + url.getHost() + "\r\n"
                            + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[1 << 20];
                    java.util.Arrays.fill(chunk, (byte) ' ');
                    for (int i = 0; i < 50; i++) {
                        out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.write(chunk);
                        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (java.io.IOException closedByTheServer) {
                    // The server answered and closed the connection.
                }
            });
            String answer = new String(socket.getInputStream().readNBytes(600), StandardCharsets.ISO_8859_1);
            assertThat(answer).startsWith("HTTP/1.1 413").contains("application/json")
                    .contains("larger than the limit of 1 MB");
            sender.join(30_000);
        }
        // A chunked body within the limit is read as any other.
        HttpResponse<String> token = HTTP.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/auth/tokens"))
                .header("Content-Type", "application/json").version(HttpClient.Version.HTTP_1_1)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        ("{\"username\":\"admin\",\"password\":\"" + TestServer.ADMIN_PASSWORD
                                + "\",\"name\":\"chunked\"}").getBytes(StandardCharsets.UTF_8)))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(token.statusCode()).as(token.body()).isEqualTo(201);
    }

    @Test
    void the_web_servers_own_refusals_are_the_json_error_not_an_html_page() throws Exception {
        Map<String, String> requests = new java.util.LinkedHashMap<>();
        requests.put("414", "GET /api/v1/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        requests.put("431", "GET /api/v1/vms HTTP/1.1\r\nHost: x\r\nX-Filler: " + "f".repeat(40_000) + "\r\n\r\n");
        requests.put("505", "GET /api/v1/vms HTTP/7.0\r\nHost: x\r\n\r\n");
        requests.put("400", "GET /api/v1/vms HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n");
        for (Map.Entry<String, String> request : requests.entrySet()) {
            String answer = raw(request.getValue());
            String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
            String body = answer.substring(answer.indexOf("\r\n\r\n") + 4);
            assertThat(head).as("the status line for %s: %s", request.getKey(), answer).startsWith("HTTP/1.1 "
                    + request.getKey());
            assertThat(head.toLowerCase(java.util.Locale.ROOT)).contains("content-type: application/json");
            JsonNode error = Json.MAPPER.readTree(body);
            assertThat(error.get("error").asText()).isEqualTo("MALFORMED_REQUEST");
            assertThat(error.get("message").asText()).as(request.getKey()).isNotBlank().doesNotContain("<");
        }
    }

    /** Sends {@code request} as it is on a new connection and returns everything the server answers. */
    private static String raw(String request) throws Exception {
        URI url = URI.create(server.url());
        try (java.net.Socket socket = new java.net.Socket(url.getHost(), url.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static HttpResponse<String> post(String path, byte[] body, String contentType) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + "/api/v1" + path))
                .header("Authorization", "Bearer " + server.admin.token)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> response) throws Exception {
        assertThat(response.headers().firstValue("Content-Type").orElse("")).contains("application/json");
        return Json.MAPPER.readTree(response.body());
    }
}
