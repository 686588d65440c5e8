package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Wrong passwords slow whoever sends them: five for one name lock that name from that address only, fifty from one
 * address lock that address only, and the owner signs in from elsewhere all along. Behind a trusted reverse proxy the
 * client in {@code X-Forwarded-For} is the address; from anyone else that header changes nothing. The sources are
 * loopback addresses (127.0.0.2, 127.0.0.5, ...), which all reach the loopback server.
 */
class LoginThrottlingTest {

    @Test
    void a_strangers_failures_lock_the_stranger_out_not_the_owner() throws Exception {
        try (TestServer server = TestServer.start()) {
            server.user("xena", "user");
            for (int attempt = 0; attempt < 5; attempt++) {
                assertThat(login(server, "127.0.0.2", "xena", "wrong-" + attempt, null)).isEqualTo(401);
            }
            assertThat(login(server, "127.0.0.2", "xena", "xena-password", null)).as("the stranger's address")
                    .isEqualTo(429);
            assertThat(login(server, "127.0.0.5", "xena", "xena-password", null)).as("the owner, elsewhere")
                    .isEqualTo(201);

            // Fifty failures from one address, for names that do not even exist, lock that address, not others.
            for (int attempt = 0; attempt < 50; attempt++) {
                login(server, "127.0.0.3", "nobody-" + attempt, "guess-" + attempt, null);
            }
            assertThat(login(server, "127.0.0.3", "xena", "xena-password", null)).isEqualTo(429);
            assertThat(login(server, "127.0.0.6", "xena", "xena-password", null)).isEqualTo(201);
        }
    }

    @Test
    void behind_a_trusted_proxy_the_forwarded_client_counts_and_elsewhere_the_header_is_ignored() throws Exception {
        try (TestServer server = TestServer.start(Clock.systemUTC(),
                config -> config.withTrustedProxies(List.of("127.0.0.7")))) {
            server.user("yuri", "user");
            for (int attempt = 0; attempt < 5; attempt++) {
                assertThat(login(server, "127.0.0.7", "yuri", "wrong-" + attempt, "198.51.100.9")).isEqualTo(401);
            }
            assertThat(login(server, "127.0.0.7", "yuri", "yuri-password", "198.51.100.9")).isEqualTo(429);
            assertThat(login(server, "127.0.0.7", "yuri", "yuri-password", "198.51.100.10, 127.0.0.7"))
                    .as("another client through the same proxy").isEqualTo(201);
            assertThat(server.admin.get("/audit?action=auth.login-failed").expect(200).json()
                    .findValuesAsText("remoteAddress")).contains("198.51.100.9");

            // Not a trusted proxy: a new X-Forwarded-For each time does not spread the failures.
            for (int attempt = 0; attempt < 5; attempt++) {
                login(server, "127.0.0.8", "yuri", "wrong-" + attempt, "192.0.2." + attempt);
            }
            assertThat(login(server, "127.0.0.8", "yuri", "yuri-password", "192.0.2.77")).isEqualTo(429);
        }
    }

    /** Asks for a token for {@code user} from the source address {@code from}; the answer's status. */
    private static int login(TestServer server, String from, String user, String password, String forwardedFor)
            throws Exception {
        HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName(from)).build();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.server.url() + "/api/v1/auth/tokens"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user + "\",\"password\":\"" + password
                        + "\",\"name\":\"t\"}"));
        if (forwardedFor != null) {
            request.header("X-Forwarded-For", forwardedFor);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
