package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.realm.sim.SimRealm;
import dev.asterism.server.sim.SimInvariants;
import dev.asterism.testing.MutableClock;
import dev.asterism.testing.PostgresServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;

/** A real server on a free loopback port with its own H2 database (or a given JDBC URL), for one test class. */
final class TestServer implements AutoCloseable {
    static final String ADMIN_PASSWORD = "admin-password-for-tests";
    /** Cheap Argon2id parameters: the hashing code is the same, only slower settings differ in production. */
    static final PasswordHasher FAST_HASHER = new PasswordHasher(256, 1, 1);

    final AsterismServer server;
    final Path dataDirectory;
    final Api admin;

    private TestServer(AsterismServer server, Path dataDirectory) {
        this.server = server;
        this.dataDirectory = dataDirectory;
        this.admin = Api.login(server.url(), "admin", ADMIN_PASSWORD);
    }

    static TestServer start() {
        return start(Clock.systemUTC(), config -> config);
    }

    static TestServer start(Clock clock, java.util.function.UnaryOperator<ServerConfig> customize) {
        try {
            Path directory = Files.createTempDirectory("asterism-test-");
            ServerConfig config = customize.apply(ServerConfig.defaults(directory).withPort(0).withAgentPort(0)
                    .withRealm("sim", "zero").withAdminPassword(ADMIN_PASSWORD));
            if (!config.dataDirectory().equals(directory)) {
                Files.delete(directory);
            }
            try {
                return new TestServer(AsterismServer.start(config, clock, FAST_HASHER), config.dataDirectory());
            } catch (RuntimeException e) {
                if (config.dataDirectory().equals(directory)) {
                    PostgresServer.deleteRecursively(directory);
                }
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static MutableClock mutableClock() {
        return new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    }

    SimRealm sim() {
        return server.simRealm().orElseThrow();
    }

    /**
     * Starts a VM of the brick {@code worker} with the sim realm's own agents held back, waits until it awaits its
     * agent, and returns the bootstrap data the realm handed it (vmId, serverUrl, caFingerprint,
     * registrationToken), read from the sim realm's VM file as an agent reads its config disk.
     */
    Properties bootstrapOfVmWithoutAgent(String name) {
        sim().neverRegisterAll(true);
        admin.post("/vms", Map.of("name", name, "brick", "worker")).expect(202);
        awaitVmState(admin, name, "AWAITING_REGISTRATION");
        String vmId = admin.get("/vms/" + name).expect(200).json().get("id").asText();
        Properties vm = new Properties();
        try (var reader = Files.newBufferedReader(dataDirectory.resolve("sim-realm").resolve(vmId + ".vm"))) {
            vm.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Properties bootstrap = new Properties();
        for (String key : new String[] {"vmId", "serverUrl", "caFingerprint", "registrationToken"}) {
            bootstrap.setProperty(key, vm.getProperty(key));
        }
        return bootstrap;
    }

    /** Fails naming every broken invariant between the store, the sim realm and its guests. */
    void assertInvariants() {
        SimGuestNetwork network = server.simAgents().orElseThrow().network();
        assertThat(new SimInvariants(server.store(), sim(), network).violations()).as("invariant violations")
                .isEmpty();
    }

    String url() {
        return server.url();
    }

    /** Creates a user with the role and returns a client logged in as them. */
    Api user(String name, String role) {
        admin.post("/users", Map.of("username", name, "password", name + "-password", "role", role))
                .expect(201);
        return Api.login(server.url(), name, name + "-password");
    }

    /** Polls until the VM reaches the state, failing with the last state seen. */
    void awaitVmState(Api api, String name, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String last = null;
        while (System.nanoTime() < deadline) {
            Api.Response response = api.get("/vms/" + name);
            // A VM that onboarding is about to request may not exist yet.
            last = response.status() == 404 ? "not yet requested" : response.expect(200).json().get("state").asText();
            if (last.equals(state)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("VM " + name + " did not reach " + state + " within 20 s; last state " + last);
    }

    /** Stops the server and deletes its data directory. */
    @Override
    public void close() {
        server.close();
        PostgresServer.deleteRecursively(dataDirectory);
    }

    /** Stops the server and keeps its data directory, for a restart on it. */
    void closeKeepingData() {
        server.close();
    }
}
