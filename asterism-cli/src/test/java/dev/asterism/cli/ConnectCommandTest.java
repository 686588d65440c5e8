package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.tunnel.TunnelSettings;
import dev.asterism.testing.LoopbackEcho;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code asterism connect} against a real server on the sim realm, whose agents run in the server's process: the
 * member's "own port" is a TCP echo service on this machine's loopback.
 */
class ConnectCommandTest {
    private static final String ADMIN_PASSWORD = "admin-password-for-connect-tests";
    private static AsterismServer server;
    private static LoopbackEcho echo;

    @TempDir
    static Path temporary;

    @BeforeAll
    static void start() throws IOException {
        echo = LoopbackEcho.start();
        server = AsterismServer.start(ServerConfig.defaults(temporary.resolve("data")).withPort(0).withAgentPort(0)
                .withRealm("sim", "zero").withAdminPassword(ADMIN_PASSWORD)
                .withTunnels(TunnelSettings.defaults().withPorts(Set.of(3389, echo.port()))),
                Clock.systemUTC(), new PasswordHasher(256, 1, 1));
    }

    @AfterAll
    static void stop() throws IOException {
        server.close();
        echo.close();
    }

    @Test
    void a_local_port_leads_to_the_members_port_and_an_rdp_file_points_at_it() throws Exception {
        CliRunner cli = loggedIn("admin", "admin", ADMIN_PASSWORD);
        assertThat(cli.run("constellation", "create", "--brick", "controller", "--name", "ct").exitCode()).isZero();
        assertThat(cli.run("constellation", "watch", "ct", "--timeout", "1h").exitCode()).isZero();
        assertThat(cli.run("constellation", "add", "ct", "--brick", "worker", "--count", "1").exitCode()).isZero();
        assertThat(cli.run("constellation", "watch", "ct", "--timeout", "1h").exitCode()).isZero();

        int localPort;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            localPort = probe.getLocalPort();
        }
        Path rdp = temporary.resolve("ct-w1.rdp");
        AtomicReference<CliRunner.Result> result = new AtomicReference<>();
        Thread connect = Thread.ofPlatform().start(() -> result.set(cli.run("connect", "ct", "w1", "--port",
                Integer.toString(echo.port()), "--local-port", Integer.toString(localPort), "--rdp-file",
                rdp.toString())));

        byte[] payload = new byte[4 * 1024 * 1024];
        new Random(11).nextBytes(payload);
        byte[] back;
        try (Socket socket = connectWithin(localPort, Duration.ofSeconds(20))) {
            Thread sender = Thread.ofPlatform().start(() -> {
                try {
                    socket.getOutputStream().write(payload);
                    socket.shutdownOutput();
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            });
            back = socket.getInputStream().readAllBytes();
            sender.join();
        }
        Thread.sleep(500);
        connect.interrupt();
        connect.join(10_000);
        assertThat(back.length).as(result.get().out()).isEqualTo(payload.length);
        assertThat(Arrays.equals(back, payload)).as("4 MiB through `asterism connect`, byte for byte").isTrue();
        assertThat(Files.readString(rdp)).startsWith("full address:s:127.0.0.1:" + localPort + "\r\n");
        assertThat(result.get().exitCode()).as(result.get().err()).isZero();
        assertThat(result.get().out())
                .contains("Tunnel to ct/w1 port " + echo.port() + " on 127.0.0.1:" + localPort)
                .contains("connection 1 closed: 4194304 bytes to the member, 4194304 bytes from it");
    }

    @Test
    void another_user_is_refused_with_a_readable_error_and_nothing_listens() throws Exception {
        CliRunner admin = loggedIn("admin-2", "admin", ADMIN_PASSWORD);
        assertThat(admin.withVariable("ASTERISM_NEW_USER_PASSWORD", "mallory-password")
                .run("user", "create", "mallory", "--role", "user").exitCode()).isZero();
        CliRunner mallory = loggedIn("mallory", "mallory", "mallory-password");
        CliRunner.Result refused = mallory.run("connect", "ct", "w1");
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("only its people may").contains("FORBIDDEN")
                .doesNotContain("Exception");
        CliRunner.Result badPort = admin.run("connect", "ct", "w1", "--port", "70000");
        assertThat(badPort.exitCode()).isEqualTo(2);
        assertThat(badPort.err()).contains("--port must be from 1 to 65535");
    }

    private static CliRunner loggedIn(String directory, String user, String password) {
        CliRunner cli = new CliRunner(temporary.resolve(directory)).withVariable("ASTERISM_PASSWORD", password);
        CliRunner.Result login = cli.run("login", "--server", server.url(), "--user", user);
        assertThat(login.exitCode()).as(login.err()).isZero();
        return cli;
    }

    private static Socket connectWithin(int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return new Socket(InetAddress.getLoopbackAddress(), port);
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("nothing listens on " + port + " within " + timeout);
                }
                Thread.sleep(50);
            }
        }
    }
}
