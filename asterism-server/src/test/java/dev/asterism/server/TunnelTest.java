package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.server.tunnel.TunnelSettings;
import dev.asterism.testing.LoopbackEcho;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tunnels through the server and a member's agent, on the sim realm: the sim realm's agents are real agents in the
 * server's process, so "the member's own port" is this machine's loopback, where the test runs a TCP echo service.
 * (The netns end-to-end test tunnels to xrdp in a real member.)
 */
class TunnelTest {
    private static final Duration IDLE = Duration.ofSeconds(2);
    private static TestServer server;
    private static Api admin;
    private static LoopbackEcho echo;
    private static int silentPort;

    @BeforeAll
    static void start() throws Exception {
        echo = LoopbackEcho.start();
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            silentPort = probe.getLocalPort();
        }
        server = TestServer.start(java.time.Clock.systemUTC(), config -> config.withTunnels(
                new TunnelSettings(Set.of(3389, echo.port(), silentPort), 3, IDLE)));
        admin = server.admin;
        admin.post("/constellations", Map.of("name", "t1", "brick", "controller")).expect(202);
        awaitReady(0);
        admin.post("/constellations/t1/members", Map.of("brick", "worker", "count", 1)).expect(202);
        awaitReady(1);
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        echo.close();
    }

    @Test
    void a_large_transfer_arrives_byte_for_byte_and_is_audited_with_the_bytes_carried() throws Exception {
        byte[] payload = new byte[24 * 1024 * 1024];
        new Random(7).nextBytes(payload);
        try (TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1", echo.port()),
                admin.token)) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    tunnel.send(payload);
                    tunnel.sendEof();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            byte[] back = tunnel.awaitBytes(payload.length, Duration.ofSeconds(120));
            sender.join();
            assertThat(back.length).isEqualTo(payload.length);
            assertThat(sha256(back)).as("the echo of 24 MiB").isEqualTo(sha256(payload));
            tunnel.eof().get(10, TimeUnit.SECONDS);
            assertThat(tunnel.closed().get(10, TimeUnit.SECONDS)).isEqualTo("1000 both ends finished");
        }
        JsonNode closed = awaitAudit("tunnel.closed", "both ends finished");
        assertThat(closed.get("actor").asText()).isEqualTo("admin");
        assertThat(closed.get("target").asText()).isEqualTo("constellation:t1");
        assertThat(closed.get("details").get("member").asText()).isEqualTo("w1");
        assertThat(closed.get("details").get("bytesToMember").asLong()).isEqualTo(payload.length);
        assertThat(closed.get("details").get("bytesFromMember").asLong()).isEqualTo(payload.length);
        assertThat(admin.get("/audit?action=tunnel.opened").expect(200).json().findValuesAsText("target"))
                .contains("constellation:t1");
    }

    @Test
    void a_tunnel_closes_within_seconds_once_the_token_that_opened_it_is_revoked() throws Exception {
        JsonNode created = Api.anonymous(server.url()).post("/auth/tokens", Map.of("username", "admin", "password",
                TestServer.ADMIN_PASSWORD, "name", "to-revoke")).expect(201).json();
        try (TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1", echo.port()),
                created.get("token").asText())) {
            tunnel.send("before".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            assertThat(tunnel.awaitBytes(6, Duration.ofSeconds(30))).isEqualTo("before".getBytes(
                    java.nio.charset.StandardCharsets.US_ASCII));

            admin.delete("/tokens/" + created.get("id").asText()).expect(204);

            assertThat(tunnel.closed().get(15, TimeUnit.SECONDS)).startsWith("4000").contains("revoked");
        }
        // The relay forgets the tunnel when its own close completes, a moment after the client saw the close.
        awaitOpenTunnels(0);
    }

    @Test
    void another_user_can_neither_see_the_constellation_nor_open_a_tunnel_to_its_members() throws Exception {
        Api bob = server.user("bob", "user");
        bob.get("/constellations/t1").expect(404);
        assertThat(bob.get("/constellations/t1/members/w1/connect").expect(403).body())
                .contains("only its people may");
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1", 3389), bob.token)).isEqualTo(403);
        assertThat(TunnelClient.statusOf(server.url(), "/constellations/nowhere/members/w1/tunnel", bob.token))
                .as("the same answer for a constellation that does not exist").isEqualTo(403);
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1", 3389), null))
                .as("no token, no tunnel").isEqualTo(401);
        assertThat(server.server.tunnels().open()).isEmpty();
    }

    @Test
    void the_connect_answer_gives_the_command_and_an_rdp_file_for_the_same_local_port() {
        JsonNode info = admin.get("/constellations/t1/members/w1/connect").expect(200).json();
        int localPort = info.get("localPort").asInt();
        assertThat(info.get("command").asText())
                .isEqualTo("asterism connect t1 w1 --local-port " + localPort + " --rdp-file t1-w1.rdp");
        assertThat(info.get("rdpFile").asText()).startsWith("full address:s:127.0.0.1:" + localPort + "\r\n");
        assertThat(admin.get("/constellations/t1/members/w1/connect").expect(200).json().get("localPort").asInt())
                .as("the same every time").isEqualTo(localPort);
        assertThat(admin.get("/constellations/t1/members/w9/connect").expect(404).body()).contains("w9");
    }

    @Test
    void a_port_the_server_does_not_allow_is_refused_before_any_tunnel_exists() throws Exception {
        assertThat(admin.get("/constellations/t1/members/w1/connect?port=22").expect(422).body())
                .contains("--tunnel-ports");
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1", 22), admin.token)).isEqualTo(422);
        assertThat(TunnelClient.statusOf(server.url(), "/constellations/t1/members/w1/tunnel?port=x", admin.token))
                .isEqualTo(400);
    }

    @Test
    void a_port_with_nothing_listening_in_the_member_closes_the_tunnel_with_the_reason() throws Exception {
        try (TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1", silentPort), admin.token)) {
            assertThat(tunnel.closed().get(20, TimeUnit.SECONDS))
                    .startsWith("4000 nothing answers on port " + silentPort + " in the member");
        }
        awaitAudit("tunnel.closed", "nothing answers");
    }

    @Test
    void an_idle_tunnel_closes_after_the_idle_timeout() throws Exception {
        try (TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1", echo.port()),
                admin.token)) {
            tunnel.send(new byte[] {1, 2, 3});
            assertThat(tunnel.awaitBytes(3, Duration.ofSeconds(10))).hasSize(3);
            assertThat(tunnel.closed().get(20, TimeUnit.SECONDS)).isEqualTo("4000 idle for 2 s");
        }
    }

    @Test
    void a_user_holds_at_most_the_allowed_number_of_tunnels() throws Exception {
        List<TunnelClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1", echo.port()),
                        admin.token);
                open.add(tunnel);
                tunnel.send(new byte[] {(byte) i});
                assertThat(tunnel.awaitBytes(1, Duration.ofSeconds(10))).hasSize(1);
            }
            assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1", echo.port()), admin.token))
                    .isEqualTo(429);
            assertThat(admin.get("/constellations/t1/members/w1/connect").expect(429).body()).contains("close one");
            open.remove(0).close();
            awaitOpenTunnels(2);
            try (TunnelClient again = TunnelClient.open(server.url(), tunnelPath("w1", echo.port()),
                    admin.token)) {
                again.send(new byte[] {9});
                assertThat(again.awaitBytes(1, Duration.ofSeconds(10))).containsExactly(9);
            }
        } finally {
            open.forEach(TunnelClient::close);
        }
    }

    private static String tunnelPath(String member, int port) {
        return "/constellations/t1/members/" + member + "/tunnel?port=" + port;
    }

    private static void awaitReady(int members) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = admin.get("/constellations/t1").expect(200).json();
            List<String> phases = last.get("members").findValuesAsText("phase");
            if (last.get("state").asText().equals("ACTIVE") && phases.size() == members
                    && phases.stream().allMatch("READY"::equals)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("t1 did not get " + members + " READY members within 60 s: " + last);
    }

    private static void awaitOpenTunnels(int count) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (server.server.tunnels().open().size() != count && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(server.server.tunnels().open()).hasSize(count);
    }

    private static JsonNode awaitAudit(String action, String reason) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (JsonNode event : admin.get("/audit?action=" + action + "&limit=1000").expect(200).json()) {
                if (event.get("details").path("reason").asText().contains(reason)) {
                    return event;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + action + " event with reason '" + reason + "' within 10 s");
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }
}
