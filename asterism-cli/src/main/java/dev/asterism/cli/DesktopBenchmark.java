package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.tunnel.LocalListener;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.linux.LinuxGuestPlatform;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.http.RequestAuthenticator;
import dev.asterism.spi.guest.RemoteDesktop;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * How long a person waits for a desktop, on the netns realm (real Samba AD, sssd, xrdp with xorgxrdp and xfce4 in
 * the member): per round, a new Asterism user is added to the people of a constellation until their domain account
 * is made, sets a desktop password, and signs in with FreeRDP under Xvfb through a local tunnel (what
 * {@code asterism connect} runs) until their session runs on the member and until the client's screen shows the
 * desktop. Then the two ways to a desktop side by side, each for a new person: {@code asterism connect} with FreeRDP
 * and the panel's desktop page in Chromium, from opening each to the first frame and to the desktop, and the latency
 * of input (a drag on the desktop until the screen changes). Everything runs on this machine, in namespaces of its
 * own (prefix {@code astbd}).
 */
final class DesktopBenchmark {
    private static final String PASSWORD = "desktop-benchmark-password";
    private static final String DESKTOP_PASSWORD = "Bench-Desk-2031!";
    private static final String PREFIX = "astbd";
    private static final Duration PATIENCE = Duration.ofMinutes(2);

    private final int rounds;
    private final int drags;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newHttpClient();

    DesktopBenchmark(int rounds, int drags, PrintWriter out) {
        this.rounds = rounds;
        this.drags = drags;
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
            if (drags > 0) {
                paths(url, admin, member, screen, data);
            }
        } finally {
            hosts.removeLeftovers();
            TunnelBenchmark.deleteRecursively(data);
        }
    }

    /** Seconds: account made, password set, session on the member, desktop on the screen; then the person leaves. */
    private double[] round(String url, String admin, RemoteDesktop member, RdpScreen screen, Path data, String user)
            throws Exception {
        Person person = addPerson(url, admin, user);
        double session;
        double desktop;
        try (LocalListener tunnel = tunnel(url, person.token())) {
            long start = System.nanoTime();
            Process client = screen.signIn(tunnel.port(), user, DESKTOP_PASSWORD);
            await(user + "'s session on the member", () -> member.sessions().contains(user));
            session = seconds(start);
            Path shot = data.resolve(user + ".png");
            await(user + "'s desktop on the screen", () -> showsDesktop(screen, shot));
            desktop = seconds(start) - session;
            RdpScreen.stop(client);
        }
        removePerson(url, admin, member, user);
        return new double[] {person.account(), person.password(), session, desktop,
            person.account() + person.password() + session + desktop};
    }

    /**
     * The two ways to a desktop, each for a new person, watched and driven alike on one screen by a
     * {@link ScreenProbe}: {@code asterism connect}'s tunnel with FreeRDP, and the panel's desktop page in Chromium.
     */
    private void paths(String url, String admin, RemoteDesktop member, RdpScreen screen, Path data) throws Exception {
        out.printf("%nThe two ways to a desktop on w1, each for a new person, on one 1280x800 Xvfb screen: FreeRDP"
                + " (1024x700) through asterism connect's tunnel, and the panel's desktop page in Chromium (kiosk"
                + " window, IronRDP in WebAssembly); %d drags on the desktop each.%n%n", drags);
        out.println("| path | open → first frame | → desktop | drag → changed frame p50 | p90 | max |");
        out.println("|------|-------------------:|----------:|-------------------------:|----:|----:|");
        Path screens = Files.createTempDirectory("asterism-bench-desktop-screens-");
        try (ScreenProbe.Running probe = ScreenProbe.Running.start(screen.display(), data.resolve("probe.log"))) {
            printPath("asterism connect + xfreerdp", throughConnect(url, admin, member, screen, probe, screens,
                    "native"));
            printPath("browser: Open desktop", inTheBrowser(url, admin, member, screen, probe, data, screens,
                    "browser"));
        }
        out.printf("%nThe screen after the drags, as each person saw it: %s and %s%n", screens.resolve("native.png"),
                screens.resolve("browser.png"));
    }

    private void printPath(String path, double[] row) {
        out.printf("| %s | %.2f s | %.2f s | %.1f ms | %.1f ms | %.1f ms |%n", path, row[0], row[1], row[2], row[3],
                row[4]);
        out.flush();
    }

    /** Seconds to the first frame and from there to the desktop (FreeRDP signs in itself), then drag latencies. */
    private double[] throughConnect(String url, String admin, RemoteDesktop member, RdpScreen screen,
            ScreenProbe.Running probe, Path screens, String user) throws Exception {
        Person person = addPerson(url, admin, user);
        double[] row;
        try (LocalListener tunnel = tunnel(url, person.token())) {
            long start = System.nanoTime();
            Process client = screen.signIn(tunnel.port(), user, DESKTOP_PASSWORD);
            // Xvfb's empty screen has two colours; the client's window with anything from the member has more.
            probe.millis("the first frame", "colours 0 0 1280 800 8 120000");
            double first = seconds(start);
            probe.millis("the desktop", "colours 0 0 1280 800 " + RdpScreen.DESKTOP_COLOURS + " 120000");
            double desktop = seconds(start) - first;
            row = latencies(first, desktop, probe, 512, 350);
            probe.ask("shot " + screens.resolve(user + ".png"));
            RdpScreen.stop(client);
        }
        removePerson(url, admin, member, user);
        return row;
    }

    /**
     * Seconds from opening the desktop page to the first frame of xrdp's sign-in screen on the page's canvas, and from
     * pressing Enter on it (the password typed) to the desktop on the canvas, then drag latencies.
     */
    private double[] inTheBrowser(String url, String admin, RemoteDesktop member, RdpScreen screen,
            ScreenProbe.Running probe, Path data, Path screens, String user) throws Exception {
        Person person = addPerson(url, admin, user);
        double[] row;
        Path directory = Files.createDirectories(data.resolve("browser"));
        try (BrowserScreen browser = BrowserScreen.start(screen.display(), directory)) {
            browser.navigate(url + "/healthz");
            browser.setCookie(RequestAuthenticator.SESSION_COOKIE, panelSession(url, user));
            long start = System.nanoTime();
            browser.navigate(url + "/ui/constellations/bench/members/w1/desktop");
            await("the desktop page connected", () -> !"connecting".equals(pageState(browser)));
            if (!"connected".equals(pageState(browser))) {
                throw new IllegalStateException("the desktop page says: " + browser.script(
                        "return document.getElementById('desktop-status').textContent;").asText());
            }
            JsonNode canvas = browser.script("const r = document.querySelector('iron-remote-desktop').shadowRoot"
                    + ".querySelector('canvas').getBoundingClientRect();"
                    + " return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)];");
            String area = canvas.get(0).asInt() + " " + canvas.get(1).asInt() + " " + canvas.get(2).asInt() + " "
                    + canvas.get(3).asInt();
            // xrdp's sign-in screen: its logo and dialog have some hundred colours, an empty canvas one.
            probe.millis("the first frame", "colours " + area + " 20 120000");
            double first = seconds(start);
            int centreX = canvas.get(0).asInt() + canvas.get(2).asInt() / 2;
            int centreY = canvas.get(1).asInt() + canvas.get(3).asInt() / 2;
            probe.ask("click " + centreX + " " + centreY);
            probe.ask("type " + DESKTOP_PASSWORD);
            long signIn = System.nanoTime();
            probe.ask("type \\n");
            // The sheared sign-in screen has hundreds of colours and the session starts black: the desktop has
            // many colours and covers the sign-in screen's plain background.
            probe.millis("the desktop", "desktop " + area + " 120000");
            double desktop = seconds(signIn);
            row = latencies(first, desktop, probe, centreX, centreY);
            probe.ask("shot " + screens.resolve(user + ".png"));
        }
        removePerson(url, admin, member, user);
        return row;
    }

    private static String pageState(BrowserScreen browser) {
        try {
            return browser.script("return document.body.dataset.desktop || 'connecting';").asText();
        } catch (IOException | InterruptedException | RuntimeException e) {
            return "connecting";
        }
    }

    /** The panel's session cookie for {@code user}, as the panel's sign-in sets it. */
    private String panelSession(String url, String user) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create(url + "/api/v1/auth/login")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + user
                        + "\",\"password\":\"" + user + "-password\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        String prefix = RequestAuthenticator.SESSION_COOKIE + "=";
        return response.headers().allValues("Set-Cookie").stream().filter(cookie -> cookie.startsWith(prefix))
                .map(cookie -> cookie.substring(prefix.length()).split(";", 2)[0]).findFirst()
                .orElseThrow(() -> new IllegalStateException("the panel's sign-in set no session cookie: "
                        + response.statusCode() + " " + response.body()));
    }

    /**
     * The first two seconds, then p50, p90 and the largest of {@link #drags} drag latencies at {@code x,y}, once the
     * desktop's panel and dock have had time to appear.
     */
    private double[] latencies(double first, double desktop, ScreenProbe.Running probe, int x, int y)
            throws IOException, InterruptedException {
        Thread.sleep(3000);
        double[] latencies = new double[drags];
        for (int drag = 0; drag < drags; drag++) {
            latencies[drag] = probe.millis("a changed frame after a drag", "drag " + x + " " + y + " 5000");
        }
        Arrays.sort(latencies);
        return new double[] {first, desktop, percentile(latencies, 0.5), percentile(latencies, 0.9),
            latencies[latencies.length - 1]};
    }

    private static double percentile(double[] sorted, double share) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(share * sorted.length) - 1)];
    }

    /** A new Asterism user among the constellation's people, with their account made and desktop password set. */
    private record Person(String token, double account, double password) {}

    private Person addPerson(String url, String admin, String user) throws Exception {
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
        return new Person(token, account, seconds(start));
    }

    /** Takes {@code user} out of the people, which ends their sessions on the member. */
    private void removePerson(String url, String admin, RemoteDesktop member, String user) throws Exception {
        TunnelBenchmark.call(http, url, "DELETE", "/constellations/bench/people/" + user, admin, null);
        await(user + " removed", () -> !member.sessions().contains(user));
    }

    private static LocalListener tunnel(String url, String token) throws IOException {
        return new LocalListener(0, URI.create(url.replaceFirst("^http", "ws")
                + "/api/v1/constellations/bench/members/w1/tunnel?port=3389"), token, line -> { });
    }

    private static boolean showsDesktop(RdpScreen screen, Path file) {
        try {
            return screen.showsDesktop(file);
        } catch (IOException e) {
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
