package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.core.constellation.MemberPhase;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.realm.libvirt.LibvirtRealm;
import dev.asterism.realm.libvirt.LibvirtRealmOptions;
import dev.asterism.realm.libvirt.LocalLibvirtd;
import dev.asterism.realm.qemu.GuestAgentClient;
import dev.asterism.realm.qemu.TestBricks;
import dev.asterism.realm.sim.SimAgentRegistrar;
import dev.asterism.realm.sim.SimRealm;
import dev.asterism.realm.sim.SimRealmOptions;
import dev.asterism.server.sim.SimInvariants;
import dev.asterism.store.JdbcStore;
import dev.asterism.testing.PostgresServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SIGKILL the server (`asterism demo`: the server with the sample catalog), a separate JVM on PostgreSQL or on the
 * embedded H2 default, while a member is in each onboarding phase, at several points inside it; start it again on
 * the same database and data directory; every member reaches READY, and the invariant checker finds no orphan VM,
 * open lease, stray VPN peer or stray computer account. Writes the server answered survive a SIGKILL right after the
 * answer. The sim
 * VMs and their guests live in the data directory; their agents run in the server's process, so each kill also kills
 * every agent, the controller's included. The same on the netns realm (real Linux guests in namespaces) and on real
 * VMs through libvirt, where the agents in the guests outlive the server and reconnect to the new one.
 */
class ServerCrashTest {
    private static final String ADMIN_PASSWORD = "crash-test-admin-password";
    private static final List<MemberPhase> PHASES = List.of(MemberPhase.REQUEST_VM, MemberPhase.OPEN_PORTS,
            MemberPhase.INJECT, MemberPhase.JOIN, MemberPhase.VPN, MemberPhase.CLOSE_PORTS);
    private static final int ATTEMPTS_PER_PHASE = 12;
    /** How long after a member is seen in a phase the kill comes: one kill at each point, in every phase. */
    private static final List<Duration> KILL_POINTS = List.of(Duration.ZERO, Duration.ofMillis(2));
    private static final String NETNS_PREFIX = "astcrash";
    private static final String LIBVIRT_PREFIX = "astlk";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Each server start's output, kept as test artifacts: target/server-crash-logs/TEST-METHOD[-CASE]/server-N.log. */
    private static final Path LOGS = Path.of("target", "server-crash-logs");

    @TempDir
    Path data;

    private final HttpClient http = HttpClient.newHttpClient();
    /** PostgreSQL, or null: the embedded H2 database in the data directory. */
    private PostgresServer.Database database;
    private int port;
    private int agentPort;
    private Process server;
    private String token;
    private int starts;
    private List<String> realmArguments = List.of("--realm", "sim");
    private Duration readyTimeout = Duration.ofSeconds(90);
    private Path logs;

    @BeforeEach
    void logsOf(TestInfo test) {
        String method = test.getTestMethod().orElseThrow().getName();
        // A parameterized case ("on h2") gets a directory of its own.
        String display = test.getDisplayName().startsWith("on ") ? "-" + test.getDisplayName().substring(3) : "";
        logs = LOGS.resolve(method + display);
    }

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroy();
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor();
            }
        }
    }

    @ParameterizedTest(name = "on {0}")
    @ValueSource(strings = {"postgresql", "h2"})
    void a_server_killed_at_every_phase_restarts_and_every_member_reaches_ready_with_the_invariants_holding(
            String databaseKind) throws Exception {
        database = databaseKind.equals("postgresql") ? PostgresServer.shared().createDatabase() : null;
        startWithAnActiveConstellation();

        List<String> log = killDuring(PHASES, ATTEMPTS_PER_PHASE, KILL_POINTS);
        JsonNode settled = awaitConstellation(ServerCrashTest::allReady, "every member READY");
        assertThat(settled.get("members")).hasSizeGreaterThanOrEqualTo(PHASES.size());

        server.destroy();
        assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server stops on SIGTERM").isTrue();
        assertThat(invariantViolations()).as("invariants after %d starts: %s", starts, log).isEmpty();
    }

    @Test
    void writes_the_embedded_database_answered_survive_a_sigkill_right_after_the_answer() throws Exception {
        database = null;
        port = freePort();
        agentPort = freePort();
        List<String> answered = new ArrayList<>();
        for (int round = 1; round <= 8; round++) {
            startServer();
            // A few writes in a row, the kill right after the last answer: none of them may be lost.
            for (int write = 1; write <= 3; write++) {
                String name = "durable" + round + "x" + write;
                send("POST", "/users", Map.of("username", name, "password", name + "-password", "role", "user"),
                        token, 201);
                answered.add(name);
            }
            server.destroyForcibly();
            assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server dies on SIGKILL").isTrue();
        }
        startServer();
        List<String> lost = new ArrayList<>();
        for (String name : answered) {
            if (status("GET", "/users/" + name) != 200) {
                lost.add(name);
            }
        }
        assertThat(lost).as("users created with 201 and then lost to a SIGKILL, of %d", answered.size()).isEmpty();
    }

    @Test
    void a_server_killed_during_inject_and_vpn_on_the_netns_realm_restarts_and_leaves_nothing_behind()
            throws Exception {
        LinuxPackages.requireInstalled();
        NetnsHosts hosts = new NetnsHosts(NETNS_PREFIX);
        hosts.removeLeftovers();
        realmArguments = List.of("--realm", "netns", "--netns-prefix", NETNS_PREFIX, "--no-constellation");
        readyTimeout = Duration.ofMinutes(4);
        try {
            database = PostgresServer.shared().createDatabase();
            startWithAnActiveConstellation();

            List<String> log = killDuring(List.of(MemberPhase.INJECT, MemberPhase.VPN), 4, List.of(Duration.ZERO));
            JsonNode settled = awaitConstellation(ServerCrashTest::allReady, "every member READY");
            int members = settled.get("members").size();

            // The controller holds exactly the READY members: their accounts, their peers, and no lease.
            String controllerId = send("GET", "/vms/crash-controller", null, token, 200).get("id").asText();
            HostCommands controller = hosts.find(controllerId).orElseThrow().commands();
            assertThat(controller.require(List.of("samba-tool", "computer", "list"), "list computers").lines()
                    .filter(line -> !line.isBlank()).count()).as("computer accounts after %s", log)
                    .isEqualTo(members + 1L);
            assertThat(controller.require(List.of("wg", "show", "asthub0", "peers"), "list peers").lines()
                    .filter(line -> !line.isBlank()).count()).as("VPN peers").isEqualTo(members);
            assertThat(controller.require(List.of("nft", "list", "set", "inet", "asterism", "join_ports"),
                    "list leases")).as("open leases").doesNotContain("elements");

            // Tearing it down through the API leaves no host, namespace or process of the realm.
            send("DELETE", "/constellations/crash", null, token, 202);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!netnsNamespaces().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(500);
            }
            assertThat(netnsNamespaces()).as("namespaces (hosts and segments) after the destroy").isEmpty();
        } finally {
            stopServer();
            hosts.removeLeftovers();
        }
    }

    @Test
    void a_server_killed_mid_join_on_real_vms_in_the_libvirt_realm_resumes_and_leaves_nothing_behind()
            throws Exception {
        LibvirtRealmOptions options = new LibvirtRealmOptions(LIBVIRT_PREFIX,
                List.of(new LibvirtRealmOptions.Host("local", URI.create(LocalLibvirtd.URI))), TestBricks.linux(), 8,
                false);
        try (LocalLibvirtd libvirtd = LocalLibvirtd.ensureRunning(); LibvirtRealm realm = new LibvirtRealm(options)) {
            LibvirtRealm.removeLeftovers(LIBVIRT_PREFIX, URI.create(LocalLibvirtd.URI));
            realmArguments = List.of("--realm", "libvirt", "--qemu-brick", options.brick().directory().toString(),
                    "--qemu-prefix", LIBVIRT_PREFIX, "--libvirt-host", "local=" + LocalLibvirtd.URI,
                    "--no-constellation", "--registration-timeout", "10m", "--phase-timeout", "10m");
            readyTimeout = Duration.ofMinutes(15);
            try {
                database = PostgresServer.shared().createDatabase();
                startWithAnActiveConstellation();

                List<String> log = killDuring(List.of(MemberPhase.JOIN), 2, List.of(Duration.ZERO));
                JsonNode settled = awaitConstellation(ServerCrashTest::allReady, "every member READY");
                int members = settled.get("members").size();

                // The domain controller in the real VM holds exactly the READY members' accounts and peers.
                String controllerId = send("GET", "/vms/crash-controller", null, token, 200).get("id").asText();
                GuestAgentClient controller = realm.guestAgent(controllerId);
                assertThat(controller.execute(List.of("/usr/bin/samba-tool", "computer", "list"),
                        Duration.ofMinutes(2)).output().lines().filter(line -> !line.isBlank()).count())
                        .as("computer accounts after %s", log).isEqualTo(members + 1L);
                assertThat(controller.execute(List.of("/usr/bin/wg", "show", "asthub0", "peers"),
                        Duration.ofSeconds(30)).output().lines().filter(line -> !line.isBlank()).count())
                        .as("VPN peers").isEqualTo(members);

                // Tearing it down through the API leaves no domain, network or volume of the realm.
                send("DELETE", "/constellations/crash", null, token, 202);
                long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
                while (!realm.objects().isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(1000);
                }
                assertThat(realm.objects()).as("libvirt domains, networks and volumes after the destroy").isEmpty();
            } finally {
                stopServer();
                LibvirtRealm.removeLeftovers(LIBVIRT_PREFIX, URI.create(LocalLibvirtd.URI));
            }
        }
    }

    private static List<String> netnsNamespaces() {
        return HostCommands.local().require(List.of("ip", "netns", "list"), "list namespaces").lines()
                .filter(line -> line.startsWith(NETNS_PREFIX + "-")).toList();
    }

    /**
     * For each phase and each kill point, adds members one by one until a SIGKILL of the server lands that long after
     * one is seen in that phase, then starts the server again and waits for every member to be READY. Returns what
     * happened, for messages.
     */
    private List<String> killDuring(List<MemberPhase> phases, int attemptsPerPhase, List<Duration> killPoints)
            throws Exception {
        Set<String> hits = new HashSet<>();
        List<String> log = new ArrayList<>();
        int next = 1;
        for (MemberPhase target : phases) {
            for (Duration killPoint : killPoints) {
                String aim = target + "+" + killPoint.toMillis() + "ms";
                for (int attempt = 1; attempt <= attemptsPerPhase && !hits.contains(aim); attempt++) {
                    String member = "m" + next++;
                    post("/constellations/crash/members", Map.of("brick", "worker", "names", List.of(member)));
                    if (!awaitPhase(member, target)) {
                        log.add(member + ": passed " + target + " before the kill");
                        continue;
                    }
                    if (!killPoint.isZero()) {
                        Thread.sleep(killPoint);
                    }
                    server.destroyForcibly();
                    assertThat(server.waitFor(30, TimeUnit.SECONDS)).as("the server dies on SIGKILL").isTrue();
                    MemberPhase atKill = phaseAfterKill(member);
                    if (atKill == target) {
                        hits.add(aim);
                    }
                    log.add(member + ": killed in " + atKill + " (aimed at " + aim + ")");
                    startServer();
                    awaitConstellation(c -> allReady(c), "every member READY after a kill in " + atKill + " " + log);
                }
            }
        }
        System.out.println("ServerCrashTest kills:\n  " + String.join("\n  ", log));
        List<String> aims = phases.stream().flatMap(phase -> killPoints.stream()
                .map(point -> phase + "+" + point.toMillis() + "ms")).toList();
        assertThat(hits).as("kills that landed in their phase: %s", log).containsAll(aims);
        return log;
    }

    // ---- the server process

    /** The server on free ports on the chosen database, and the constellation "crash" ACTIVE. */
    private void startWithAnActiveConstellation() throws Exception {
        port = freePort();
        agentPort = freePort();
        startServer();
        post("/constellations", Map.of("name", "crash", "brick", "controller"));
        awaitConstellation(c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
    }

    private void startServer() throws IOException, InterruptedException {
        starts++;
        Files.createDirectories(logs);
        Path output = logs.resolve("server-" + starts + ".log");
        // Configured as an operator would: a configuration file, and the passwords in files only the server reads.
        StringBuilder configuration = new StringBuilder("# the crash test's server\n")
                .append("data = ").append(data).append('\n')
                .append("port = ").append(port).append('\n')
                .append("agent-port = ").append(agentPort).append('\n')
                .append("sim-delays = zero\n")
                .append("admin-password-file = ").append(secretFile("admin-password", ADMIN_PASSWORD)).append('\n');
        if (database != null) {
            configuration.append("database-url = ").append(database.jdbcUrl()).append('\n')
                    .append("database-user = ").append(database.user()).append('\n')
                    .append("database-password-file = ").append(secretFile("database-password", database.password()))
                    .append('\n');
        }
        Path config = Files.writeString(logs.resolve("asterism.conf"), configuration);
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.asterism.cli.Main", "demo", "--config", config.toString());
        builder.command().addAll(realmArguments);
        builder.environment().remove("ASTERISM_ADMIN_PASSWORD");
        builder.environment().remove("ASTERISM_DATABASE_PASSWORD");
        builder.redirectErrorStream(true).redirectOutput(output.toFile());
        server = builder.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(output).contains("running at")) {
            assertThat(server.isAlive()).as("server start %d: %s", starts, Files.readString(output)).isTrue();
            assertThat(System.nanoTime()).as("server start %d within 60 s", starts).isLessThan(deadline);
            Thread.sleep(50);
        }
        JsonNode created = send("POST", "/auth/tokens", Map.of("username", "admin", "password", ADMIN_PASSWORD,
                "name", "crash-" + starts), null, 201);
        token = created.get("token").asText();
    }

    /** A file holding {@code secret}, readable by its owner only. */
    private Path secretFile(String name, String secret) throws IOException {
        Path file = logs.resolve(name);
        Files.deleteIfExists(file);
        Files.createFile(file, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(file, secret + "\n");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    // ---- the API

    private void post(String path, Object body) throws IOException, InterruptedException {
        send("POST", path, body, token, 202);
    }

    private int status(String method, String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1" + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private JsonNode send(String method, String path, Object body, String bearer, int expected)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s %s: %s", method, path, response.body()).isEqualTo(expected);
        return response.body().isEmpty() ? null : JSON.readTree(response.body());
    }

    private JsonNode awaitConstellation(Predicate<JsonNode> done, String what) throws Exception {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = send("GET", "/constellations/crash", null, token, 200);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the constellation did not reach " + what + " within " + readyTimeout + ": " + last);
    }

    private static boolean allReady(JsonNode constellation) {
        List<String> phases = constellation.get("members").findValuesAsText("phase");
        return phases.stream().allMatch("READY"::equals);
    }

    // ---- where a member is

    /**
     * Polls until the member is in {@code target}; false when it went past it first. PostgreSQL is read directly,
     * which catches short phases; the H2 file belongs to the running server alone, so there the API is asked.
     */
    private boolean awaitPhase(String member, MemberPhase target) throws Exception {
        long deadline = System.nanoTime() + readyTimeout.toNanos();
        try (Connection db = database == null ? null : connect()) {
            while (System.nanoTime() < deadline) {
                Optional<MemberPhase> phase = db == null ? phaseFromApi(member) : phaseOf(db, member);
                if (phase.isPresent()) {
                    if (phase.get() == target) {
                        return true;
                    }
                    if (phase.get().ordinal() > target.ordinal()) {
                        return false;
                    }
                }
                Thread.sleep(Duration.ofNanos(500_000));
            }
        }
        throw new AssertionError(member + " never reached " + target + " within " + readyTimeout);
    }

    /** The phase the database holds for the member once the server is dead: the durable truth. */
    private MemberPhase phaseAfterKill(String member) throws SQLException {
        try (Connection db = connect()) {
            return phaseOf(db, member).orElseThrow();
        }
    }

    private Connection connect() throws SQLException {
        if (database == null) {
            return DriverManager.getConnection(JdbcStore.h2Url(data), "sa", "");
        }
        return DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
    }

    private Optional<MemberPhase> phaseFromApi(String member) throws IOException, InterruptedException {
        for (JsonNode found : send("GET", "/constellations/crash", null, token, 200).get("members")) {
            if (found.get("name").asText().equals(member)) {
                return Optional.of(MemberPhase.valueOf(found.get("phase").asText()));
            }
        }
        return Optional.empty();
    }

    private static Optional<MemberPhase> phaseOf(Connection db, String member) throws SQLException {
        try (PreparedStatement query = db.prepareStatement("SELECT phase FROM members WHERE live_key = ?")) {
            query.setString(1, "crash/" + member);
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(MemberPhase.valueOf(row.getString(1))) : Optional.empty();
            }
        }
    }

    // ---- the invariants, from the database and the sim state the stopped server left in its data directory

    private List<String> invariantViolations() {
        Clock clock = Clock.systemUTC();
        SimRealm realm = SimRealm.persistentIn(clock, SimRealmOptions.instant(), SimAgentRegistrar.NONE,
                data.resolve("sim-realm"));
        try (JdbcStore store = database == null ? JdbcStore.h2(data)
                : JdbcStore.open(database.jdbcUrl(), database.user(), database.password(), "crash")) {
            SimGuestNetwork network = SimGuestNetwork.persistentIn(clock, data.resolve("sim-guests"));
            return new SimInvariants(store, realm, network).violations();
        } finally {
            realm.close();
        }
    }
}
