package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxGuestPlatform;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A researcher works in a constellation, as a person would: on the netns realm (real Samba AD, sssd, xrdp with
 * xorgxrdp and xfce4 in the member), the owner adds alice with {@code asterism constellation user add}, alice sets
 * her desktop password with {@code asterism constellation password}, opens {@code asterism connect}, and Debian's
 * FreeRDP client under Xvfb signs in as her domain account: her desktop session runs on the member and the
 * client's screen shows it (kept in target/desktop-screenshots). Her session finds the constellation's share at
 * {@code ~/shared}: what she writes there on one member, she reads on the other, and the controller's file is hers.
 * A wrong password gets no session, a user who is not one of the people gets no tunnel, and after {@code user remove}
 * her sessions are gone, her account too, and her tunnels are refused. Needs root, the guest packages and
 * {@code freerdp2-x11 xvfb imagemagick}.
 */
class DesktopLoginTest {
    private static final String PREFIX = "astdk";
    private static final String ADMIN_PASSWORD = "admin-password-for-desktop-tests";
    private static final String ALICE_DESKTOP = "Alice-Desk-2031!";
    private static final Path SCREENSHOTS = Path.of("target", "desktop-screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temporary;

    private static AsterismServer server;
    private static NetnsHosts hosts;
    private static RdpScreen screen;

    @BeforeAll
    static void start() throws Exception {
        LinuxPackages.requireInstalled();
        hosts = new NetnsHosts(PREFIX);
        hosts.removeLeftovers();
        Files.createDirectories(SCREENSHOTS);
        screen = RdpScreen.start(temporary.resolve("screen"));
        server = AsterismServer.start(ServerConfig.defaults(temporary.resolve("data")).withPort(0).withAgentPort(0)
                .withRealm("netns", "zero").withNetnsPrefix(PREFIX).withPhaseTimeout(Duration.ofMinutes(3))
                .withAdminPassword(ADMIN_PASSWORD), Clock.systemUTC(), new PasswordHasher(256, 1, 1));
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            if (server != null) {
                server.close();
            }
            if (screen != null) {
                screen.close();
            }
        } finally {
            if (hosts != null) {
                hosts.removeLeftovers();
            }
        }
    }

    @Test
    void a_person_added_by_the_owner_signs_in_to_a_real_desktop_through_asterism_connect_until_removed()
            throws Exception {
        CliRunner owner = loggedIn("owner", "admin", ADMIN_PASSWORD);
        createUser(owner, "alice");
        createUser(owner, "bob");
        // The CLI's own clock is a test clock (watch would time out at once): the test waits in real time.
        assertOk(owner.run("constellation", "create", "--brick", "controller", "--name", "dk"));
        awaitTrue(Duration.ofMinutes(4), "dk ACTIVE", () -> api("GET", "/constellations/dk", null).get("state")
                .asText().equals("ACTIVE"));
        assertOk(owner.run("constellation", "add", "dk", "--brick", "worker", "--count", "2"));
        awaitTrue(Duration.ofMinutes(4), "w1 and w2 READY", () -> api("GET", "/constellations/dk", null)
                .get("members").findValuesAsText("phase").equals(List.of("READY", "READY")));

        assertOk(owner.run("constellation", "user", "add", "dk", "alice"));
        CliRunner alice = loggedIn("alice", "alice", "alice-password");
        awaitTrue(Duration.ofSeconds(60), "alice's account made", () -> alice.run("constellation", "user", "list",
                "dk").out().lines().anyMatch(line -> line.startsWith("alice") && line.contains("ACTIVE")));
        CliRunner.Result weak = alice.withVariable(Passwords.DESKTOP_VARIABLE, "alice").run("constellation",
                "password", "dk");
        assertThat(weak.exitCode()).isNotZero();
        assertThat(weak.err()).contains("the domain refuses this password");
        assertOk(alice.withVariable(Passwords.DESKTOP_VARIABLE, ALICE_DESKTOP).run("constellation", "password", "dk"));

        HostCommands member = host("dk-w1");
        LinuxGuestPlatform memberPlatform = new LinuxGuestPlatform(member, Clock.systemUTC(), "dk-w1", () -> {},
                Optional.empty());
        HostCommands other = host("dk-w2");
        LinuxGuestPlatform otherPlatform = new LinuxGuestPlatform(other, Clock.systemUTC(), "dk-w2", () -> {},
                Optional.empty());
        assertThat(member.run(List.of("id", "alice"), null).output()).as("alice on the member")
                .contains("asterism-users");

        // bob is an Asterism user but not one of the people: no tunnel.
        CliRunner bob = loggedIn("bob", "bob", "bob-password");
        CliRunner.Result refused = bob.run("connect", "dk", "w1", "--local-port", Integer.toString(freePort()));
        assertThat(refused.exitCode()).isNotZero();
        assertThat(refused.err()).contains("only its people may");

        int localPort = freePort();
        Path rdp = temporary.resolve("dk-w1.rdp");
        Thread connect = Thread.ofPlatform().start(() -> alice.run("connect", "dk", "w1", "--local-port",
                Integer.toString(localPort), "--rdp-file", rdp.toString()));
        try {
            awaitTrue(Duration.ofSeconds(30), "the local port listens", () -> listening(localPort));
            assertThat(Files.readString(rdp)).contains("username:s:alice").contains("domain:s:DK.ASTERISM.TEST");

            // A wrong password: xrdp's session manager refuses it, and no session starts.
            Process wrong = screen.signIn(localPort, "alice", "Wrong-Pass-999");
            awaitTrue(Duration.ofSeconds(60), "the refusal in the session manager's log", () -> member
                    .readText("/var/lib/asterism/xrdp-sesman.log").orElse("").toLowerCase(java.util.Locale.ROOT)
                    .matches("(?s).*(authfail|authentication failed|login failed).*alice.*"));
            assertThat(memberPlatform.remoteDesktop().sessions()).doesNotContain("alice");
            RdpScreen.stop(wrong);

            Process client = screen.signIn(localPort, "alice", ALICE_DESKTOP);
            try {
                awaitTrue(Duration.ofSeconds(90), "alice's desktop session on the member",
                        () -> memberPlatform.remoteDesktop().sessions().contains("alice") && member.run(List.of("sh",
                                "-c", "ps -o args= -u alice | grep -q '^xfce4-session'"), null).succeeded());
                assertThat(member.run(List.of("test", "-d", "/home/alice"), null).succeeded())
                        .as("alice's home directory, made at her first login").isTrue();
                Path screenshot = SCREENSHOTS.resolve("alice-desktop.png");
                awaitTrue(Duration.ofSeconds(60), "the desktop on the client's screen",
                        () -> screen.showsDesktop(screenshot));
                System.out.println("DesktopLoginTest: alice's desktop, " + RdpScreen.colours(screenshot)
                        + " colours: " + screenshot.toAbsolutePath());

                // Her session found the share mounted: she writes a file there on w1...
                awaitTrue(Duration.ofSeconds(30), "the share at ~/shared on w1", () -> asAlice(member,
                        "ls ~/shared/").succeeded());
                assertThat(asAlice(member, "echo 'results of run 7' > ~/shared/notes.txt").succeeded()).isTrue();
                RdpScreen.stop(client);

                // ...and reads it on w2, where her own sign-in mounted the same share.
                int otherPort = freePort();
                Thread connectOther = Thread.ofPlatform().start(() -> alice.run("connect", "dk", "w2",
                        "--local-port", Integer.toString(otherPort)));
                try {
                    awaitTrue(Duration.ofSeconds(30), "the local port to w2 listens", () -> listening(otherPort));
                    client = screen.signIn(otherPort, "alice", ALICE_DESKTOP);
                    awaitTrue(Duration.ofSeconds(90), "alice's desktop session on w2",
                            () -> otherPlatform.remoteDesktop().sessions().contains("alice"));
                    awaitTrue(Duration.ofSeconds(30), "the share at ~/shared on w2", () -> asAlice(other,
                            "ls ~/shared/").succeeded());
                    HostCommands.Result read = asAlice(other, "cat ~/shared/notes.txt && stat -c %U ~/shared/notes.txt");
                    assertThat(read.output()).as("read on w2: %s", read.printed())
                            .isEqualTo("results of run 7\nalice\n");
                    assertThat(asAlice(other, "ls -l ~/shared/").output()).contains("notes.txt");
                } finally {
                    connectOther.interrupt();
                    connectOther.join(10_000);
                }
                // On the controller, the file is alice's (the domain's own ID of her account).
                HostCommands controller = host("dk-controller");
                String fileOwner = controller.require(List.of("stat", "-c", "%u", "/srv/asterism/shared/notes.txt"),
                        "stat the shared file").strip();
                String domainUser = controller.require(List.of("sh", "-c", "wbinfo -i \"$(wbinfo --own-domain)\\alice\""),
                        "look alice up").strip();
                assertThat(domainUser.split(":")[2]).as("alice's id on the controller: %s", domainUser).isEqualTo(fileOwner);

                // The owner removes alice: her session ends, her account goes, her tunnels are refused.
                assertOk(owner.run("constellation", "user", "remove", "dk", "alice"));
                awaitTrue(Duration.ofSeconds(60), "alice's sessions gone",
                        () -> !memberPlatform.remoteDesktop().sessions().contains("alice")
                                && !otherPlatform.remoteDesktop().sessions().contains("alice"));
                awaitTrue(Duration.ofSeconds(60), "alice gone from the people", () -> !owner.run("constellation",
                        "user", "list", "dk").out().contains("alice"));
                assertThat(host("dk-controller").require(List.of("samba-tool", "user", "list"), "list users"))
                        .doesNotContain("alice");
                CliRunner.Result after = alice.run("connect", "dk", "w1", "--local-port", Integer.toString(freePort()));
                assertThat(after.exitCode()).isNotZero();
                assertThat(after.err()).contains("FORBIDDEN");
            } finally {
                RdpScreen.stop(client);
            }
        } finally {
            connect.interrupt();
            connect.join(10_000);
        }
        assertOk(owner.run("constellation", "destroy", "dk"));
    }

    // ---- helpers

    /** Runs {@code script} on {@code member} as alice, with her own environment, as a shell in her session would. */
    private static HostCommands.Result asAlice(HostCommands member, String script) {
        return member.run(List.of("sh", "-c", "exec setpriv --reuid=alice --regid=\"$(id -g alice)\" --init-groups"
                + " --reset-env -- sh -c \"$1\"", "sh", script), null);
    }

    private static HostCommands host(String vmName) throws Exception {
        String vmId = api("GET", "/vms/" + vmName, null).get("id").asText();
        return hosts.find(vmId).orElseThrow(() -> new AssertionError("no host for " + vmName)).commands();
    }

    private static JsonNode api(String method, String path, Object body) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1/auth/tokens"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(JSON
                        .writeValueAsString(Map.of("username", "admin", "password", ADMIN_PASSWORD, "name", "t"
                                + System.nanoTime())))).build(), HttpResponse.BodyHandlers.ofString());
        String bearer = JSON.readTree(token.body()).get("token").asText();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/api/v1" + path))
                .header("Authorization", "Bearer " + bearer).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    private static void createUser(CliRunner admin, String name) {
        assertOk(admin.withVariable(Passwords.NEW_USER_VARIABLE, name + "-password").run("user", "create", name,
                "--role", "user"));
    }

    private static CliRunner loggedIn(String directory, String user, String password) {
        CliRunner cli = new CliRunner(temporary.resolve(directory)).withVariable("ASTERISM_PASSWORD", password);
        assertOk(cli.run("login", "--server", server.url(), "--user", user));
        return cli;
    }

    private static void assertOk(CliRunner.Result result) {
        assertThat(result.exitCode()).as("out: %s\nerr: %s", result.out(), result.err()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    private static boolean listening(int port) {
        try (java.net.Socket socket = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            return true;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void awaitTrue(Duration timeout, String what, Check check) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.holds()) {
            assertThat(System.nanoTime()).as("%s within %s", what, timeout).isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }
}
