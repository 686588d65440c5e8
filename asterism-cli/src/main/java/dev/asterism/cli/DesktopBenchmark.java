package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.tunnel.LocalListener;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.linux.LinuxGuestPlatform;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.spi.guest.RemoteDesktop;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * How long a person waits for a desktop, on the netns realm (real Samba AD, sssd, xrdp with xorgxrdp and xfce4 in
 * the member): per round, a new Asterism user is added to the people of a constellation until their domain account
 * is made, sets a desktop password, and signs in with FreeRDP under Xvfb through a local tunnel (what
 * {@code asterism connect} runs) until their session runs on the member and until the client's screen shows the
 * desktop. Everything runs on this machine, in namespaces of its own (prefix {@code astbd}).
 */
final class DesktopBenchmark {
    private static final String PASSWORD = "desktop-benchmark-password";
    private static final String DESKTOP_PASSWORD = "Bench-Desk-2031!";
    private static final String PREFIX = "astbd";
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private final int rounds;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newHttpClient();

    DesktopBenchmark(int rounds, PrintWriter out) {
        this.rounds = rounds;
        this.out = out;
    }

    void run() throws Exception {
        LinuxPackages.requireInstalled();
        NetnsHosts hosts = new NetnsHosts(PREFIX);
        hosts.removeLeftovers();
        Path data = Files.createTempDirectory("asterism-bench-desktop-");
        try (RdpScreen screen = RdpScreen.start(data.resolve("screen"));
                AsterismServer server = AsterismServer.start(ServerConfig.defaults(data.resolve("server"))
                        .withPort(0).withAgentPort(0).withRealm("netns", "zero").withNetnsPrefix(PREFIX)
                        .withAdminPassword(PASSWORD), Clock.systemUTC(), PasswordHasher.DEFAULT)) {
            String url = server.url();
            String admin = token(url, "admin", PASSWORD);
            long start = System.nanoTime();
            TunnelBenchmark.call(http, url, "POST", "/constellations", admin, Map.of("name", "bench", "brick",
                    "controller"));
            await("the constellation ACTIVE", () -> state(url, admin).get("state").asText().equals("ACTIVE"));
            double active = seconds(start);
            TunnelBenchmark.call(http, url, "POST", "/constellations/bench/members", admin, Map.of("brick", "worker",
                    "count", 1));
            await("w1 READY", () -> state(url, admin).get("members").findValuesAsText("phase").equals(List.of("READY")));
            double ready = seconds(start) - active;
            String vmId = TunnelBenchmark.call(http, url, "GET", "/vms/bench-w1", admin, null).get("id").asText();
            RemoteDesktop member = new LinuxGuestPlatform(hosts.find(vmId).orElseThrow().commands(),
                    Clock.systemUTC(), "bench-w1", () -> { }, Optional.empty()).remoteDesktop();
            out.printf("Desktop sign-in on the netns realm: a constellation ACTIVE in %.1f s, its member READY %.1f s"
                    + " later; %d rounds, each a new person.%n%n", active, ready, rounds);
            out.println("| round | user add → account | password set | RDP connect → session | → desktop on screen"
                    + " | user add → desktop |");
            out.println("|------:|-------------------:|-------------:|----------------------:|-------------------:"
                    + "|-------------------:|");
            List<double[]> rows = new ArrayList<>();
            for (int round = 1; round <= rounds; round++) {
                double[] row = round(url, admin, member, screen, data, "bench" + round);
                rows.add(row);
                out.printf("| %5d | %16.2f s | %10.2f s | %19.2f s | %17.2f s | %16.2f s |%n", round, row[0],
                        row[1], row[2], row[3], row[0] + row[1] + row[2] + row[3]);
                out.flush();
            }
            out.printf("| p50   | %16.2f s | %10.2f s | %19.2f s | %17.2f s | %16.2f s |%n", median(rows, 0),
                    median(rows, 1), median(rows, 2), median(rows, 3), median(rows, 4));
            out.flush();
        } finally {
            hosts.removeLeftovers();
            TunnelBenchmark.deleteRecursively(data);
        }
    }

    /** Seconds: account made, password set, session on the member, desktop on the screen; then the person leaves. */
    private double[] round(String url, String admin, RemoteDesktop member, RdpScreen screen, Path data, String user)
            throws Exception {
        TunnelBenchmark.call(http, url, "POST", "/users", admin, Map.of("username", user, "password", user
                + "-password", "role", "user"));
        long start = System.nanoTime();
        TunnelBenchmark.call(http, url, "POST", "/constellations/bench/people", admin, Map.of("usernames",
                List.of(user)));
        try {
            await(user + "'s account", () -> personActive(url, admin, user));
        } catch (IllegalStateException notMade) {
            throw new IllegalStateException(notMade.getMessage() + "; the people: "
                    + get(url, admin, "/constellations/bench/people") + "; the constellation: "
                    + get(url, admin, "/constellations/bench").path("reason").asText(), notMade);
        }
        double account = seconds(start);
        String token = token(url, user, user + "-password");
        start = System.nanoTime();
        TunnelBenchmark.call(http, url, "PUT", "/constellations/bench/password", token, Map.of("password",
                DESKTOP_PASSWORD));
        double password = seconds(start);
        double session;
        double desktop;
        try (LocalListener tunnel = new LocalListener(0, URI.create(url.replaceFirst("^http", "ws")
                + "/api/v1/constellations/bench/members/w1/tunnel?port=3389"), token, line -> { })) {
            start = System.nanoTime();
            Process client = screen.signIn(tunnel.port(), user, DESKTOP_PASSWORD);
            await(user + "'s session on the member", () -> member.sessions().contains(user));
            session = seconds(start);
            Path shot = data.resolve(user + ".png");
            await(user + "'s desktop on the screen", () -> showsDesktop(screen, shot));
            desktop = seconds(start) - session;
            RdpScreen.stop(client);
        }
        TunnelBenchmark.call(http, url, "DELETE", "/constellations/bench/people/" + user, admin, null);
        await(user + " removed", () -> !member.sessions().contains(user));
        return new double[] {account, password, session, desktop, account + password + session + desktop};
    }

    private static boolean showsDesktop(RdpScreen screen, Path file) {
        try {
            return screen.showsDesktop(file);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private boolean personActive(String url, String token, String user) {
        for (JsonNode person : get(url, token, "/constellations/bench/people")) {
            if (person.get("username").asText().equals(user) && person.get("state").asText().equals("ACTIVE")) {
                return true;
            }
        }
        return false;
    }

    private JsonNode state(String url, String token) {
        return get(url, token, "/constellations/bench");
    }

    private JsonNode get(String url, String token, String path) {
        try {
            return TunnelBenchmark.call(http, url, "GET", path, token, null);
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + ": " + e.getMessage(), e);
        }
    }

    private String token(String url, String user, String password) throws Exception {
        return TunnelBenchmark.call(http, url, "POST", "/auth/tokens", null, Map.of("username", user, "password",
                password, "name", "bench-" + System.nanoTime())).get("token").asText();
    }

    /** Waits until {@code done}, polling every 50 ms, at most a few minutes. */
    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not happen within " + PATIENCE.toMinutes() + " minutes");
            }
            Thread.sleep(50);
        }
    }

    static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static double median(List<double[]> rows, int column) {
        double[] values = rows.stream().mapToDouble(row -> row[column]).sorted().toArray();
        return values.length % 2 == 1 ? values[values.length / 2]
                : (values[values.length / 2 - 1] + values[values.length / 2]) / 2;
    }
}
