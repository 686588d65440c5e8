package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a token or a session opened ends within seconds once the token is revoked, the session signed out, or the
 * user deleted: the API's event stream (with an {@code ended} event saying why) and the panel's live stream.
 * (Tunnels: TunnelTest.)
 */
class RevocationTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        server.admin.post("/constellations", Map.of("name", "rv", "brick", "controller")).expect(202);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!server.admin.get("/constellations/rv").expect(200).json().get("state").asText().equals("ACTIVE")) {
            assertThat(System.nanoTime()).as("rv ACTIVE").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void an_event_stream_ends_once_its_token_is_revoked() throws Exception {
        JsonNode created = Api.anonymous(server.url()).post("/auth/tokens", Map.of("username", "admin", "password",
                TestServer.ADMIN_PASSWORD, "name", "stream")).expect(201).json();
        Stream stream = Stream.open("/api/v1/constellations/rv/events", Map.of("Authorization", "Bearer "
                + created.get("token").asText()));
        stream.awaitLine("event: snapshot");

        server.admin.delete("/tokens/" + created.get("id").asText()).expect(204);

        stream.awaitEnd();
        assertThat(stream.lines).contains("event: ended");
        assertThat(String.join("\n", stream.lines)).contains("revoked");
    }

    @Test
    void a_sessions_streams_end_once_it_signs_out() throws Exception {
        Api.Response login = Api.anonymous(server.url()).post("/auth/login", Map.of("username", "admin", "password",
                TestServer.ADMIN_PASSWORD)).expect(200);
        String cookie = login.header("Set-Cookie").substring(0, login.header("Set-Cookie").indexOf(';'));
        Stream api = Stream.open("/api/v1/constellations/rv/events", Map.of("Cookie", cookie));
        Stream panel = Stream.open("/ui/constellations/rv/live", Map.of("Cookie", cookie));
        api.awaitLine("event: snapshot");
        panel.awaitLine("event: message");

        Api.anonymous(server.url()).send("POST", "/auth/logout", null, Map.of("Cookie", cookie, "X-CSRF-Token",
                login.json().get("csrfToken").asText())).expect(204);

        api.awaitEnd();
        panel.awaitEnd();
        assertThat(api.lines).contains("event: ended");
    }

    @Test
    void an_event_stream_ends_once_its_user_is_deleted() throws Exception {
        Api carol = server.user("carol", "admin");
        Stream stream = Stream.open("/api/v1/constellations/rv/events", Map.of("Authorization", "Bearer "
                + carol.token));
        stream.awaitLine("event: snapshot");

        server.admin.delete("/users/carol").expect(204);

        stream.awaitEnd();
        assertThat(stream.lines).contains("event: ended");
    }

    /** A server-sent event stream read line by line on its own thread. */
    private record Stream(List<String> lines, CompletableFuture<Void> ended) {
        static Stream open(String path, Map<String, String> headers) throws Exception {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.url() + path))
                    .header("Accept", "text/event-stream");
            headers.forEach(request::header);
            HttpResponse<java.util.stream.Stream<String>> response = HTTP.send(request.build(),
                    HttpResponse.BodyHandlers.ofLines());
            assertThat(response.statusCode()).as(path).isEqualTo(200);
            Stream stream = new Stream(new CopyOnWriteArrayList<>(), new CompletableFuture<>());
            Thread.ofVirtual().start(() -> {
                try {
                    response.body().forEach(stream.lines::add);
                    stream.ended.complete(null);
                } catch (RuntimeException broken) {
                    stream.ended.complete(null);
                }
            });
            return stream;
        }

        void awaitLine(String line) throws InterruptedException {
            long deadline = System.nanoTime() + 15_000_000_000L;
            while (!lines.contains(line)) {
                assertThat(System.nanoTime()).as("'%s' within 15 s; got %s", line, lines).isLessThan(deadline);
                Thread.sleep(20);
            }
        }

        void awaitEnd() throws Exception {
            ended.get(15, TimeUnit.SECONDS);
        }
    }
}
