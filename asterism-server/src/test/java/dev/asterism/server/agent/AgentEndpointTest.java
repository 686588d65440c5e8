package dev.asterism.server.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.agent.channel.AgentTlsIdentity;
import dev.asterism.agent.channel.WebSocketChannel;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Heartbeat;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.RegistrationRefused;
import dev.asterism.protocol.Sealing;
import dev.asterism.testing.MutableClock;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent channel end to end: a real endpoint on loopback with real TLS, and the agent's real channel. */
class AgentEndpointTest {

    private static final String TOKEN_1 = "reg_SECRET-TOKEN-vm-1-8c1f";
    private static final String TOKEN_2 = "reg_SECRET-TOKEN-vm-2-77aa";
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dataDirectory;

    private final OneTimeTokens decider = new OneTimeTokens(Map.of("vm-1", TOKEN_1, "vm-2", TOKEN_2));
    private final RecordingHandler handler = new RecordingHandler();
    private final AgentConnections connections = new AgentConnections();
    private final List<WebSocketChannel> channels = new ArrayList<>();
    private final CapturedLog log = new CapturedLog();
    private final Logger endpointLogger = Logger.getLogger("dev.asterism.server.agent");
    private AgentCertificateAuthority authority;
    private AgentEndpoint endpoint;

    @BeforeEach
    void start() {
        endpointLogger.setLevel(java.util.logging.Level.ALL);
        endpointLogger.addHandler(log);
        authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), Clock.systemUTC());
        endpoint = new AgentEndpoint(AgentEndpoint.Settings.loopback(0), authority, decider, handler, connections,
                Clock.systemUTC()).start();
    }

    @AfterEach
    void stop() {
        channels.forEach(WebSocketChannel::close);
        endpoint.close();
        endpointLogger.removeHandler(log);
        endpointLogger.setLevel(null);
        assertThat(log.text()).doesNotContain("SECRET-TOKEN");
    }

    @Test
    void an_agent_registers_over_tls_and_gets_a_client_certificate_bound_to_its_vm() throws Exception {
        AgentTlsIdentity identity = AgentTlsIdentity.inMemory(authority.caFingerprint());
        Agent agent = dial(identity);

        agent.channel.send(register("vm-1", TOKEN_1));

        Registered registered = (Registered) agent.next();
        assertThat(registered.vmId()).isEqualTo("vm-1");
        assertThat(registered.role()).isEqualTo(AgentRole.STUB);
        assertThat(registered.caCertificate()).contains(authority.caCertificatePem());
        assertThat(identity.clientCertificate()).isPresent();
        assertThat(authority.vmIdOf(identity.clientCertificate().get())).contains("vm-1");
        assertThat(identity.clientCertificate().get().getPublicKey().getEncoded())
                .isEqualTo(java.util.Base64.getDecoder().decode(identity.tlsPublicKey()));
        assertThat(decider.decided).containsExactly("vm-1 accepted");
        // The registering connection is bound at once: the server reaches the agent on it.
        waitUntil(() -> connections.isConnected("vm-1"));
        assertThat(handler.next()).isEqualTo("connected vm-1");
    }

    @Test
    void an_agent_that_reconnects_with_its_certificate_is_bound_to_its_vm_without_registering() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);

        Agent agent = dial(identity);
        agent.channel.send(new Heartbeat("vm-1", Instant.parse("2026-01-01T00:00:00Z")));
        agent.channel.send(new CommandResult("cmd-1", true, "", Map.of()));

        assertThat(handler.next()).isEqualTo("connected vm-1");
        assertThat(handler.next()).isEqualTo("vm-1 heartbeat");
        assertThat(handler.next()).isEqualTo("vm-1 command-result");
        assertThat(decider.decided).containsExactly("vm-1 accepted");
    }

    @Test
    void an_agent_whose_certificate_nears_its_end_gets_a_new_one_for_the_same_key_once_per_connection()
            throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        X509Certificate first = identity.clientCertificate().orElseThrow();
        endpoint.close();
        MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofDays(21)));
        authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), clock);
        endpoint = new AgentEndpoint(AgentEndpoint.Settings.loopback(0), authority, decider, handler, connections,
                clock).start();

        Agent agent = dial(identity);
        Registered renewal = (Registered) agent.next();
        assertThat(renewal.vmId()).isEqualTo("vm-1");
        assertThat(renewal.clientCertificate()).isPresent();
        waitUntil(() -> identity.clientCertificate().orElseThrow().getNotAfter().after(first.getNotAfter()));
        X509Certificate second = identity.clientCertificate().orElseThrow();
        assertThat(second.getPublicKey()).isEqualTo(first.getPublicKey());
        assertThat(authority.vmIdOf(second)).contains("vm-1");
        assertThat(authority.dueForRenewal(second)).isFalse();

        agent.channel.send(new Heartbeat("vm-1", clock.instant()));
        assertThat(handler.next()).isEqualTo("connected vm-1");
        assertThat(handler.next()).isEqualTo("vm-1 heartbeat");
        assertThat(agent.received.poll(300, TimeUnit.MILLISECONDS)).as("one renewal per connection").isNull();
        assertThat(decider.decided).as("no second registration").containsExactly("vm-1 accepted");
    }

    @Test
    void a_second_registration_with_a_used_token_is_refused() throws Exception {
        registered("vm-1", TOKEN_1);

        Agent impostor = dial(AgentTlsIdentity.inMemory(authority.caFingerprint()));
        impostor.channel.send(register("vm-1", TOKEN_1));

        assertThat(impostor.next()).isEqualTo(new RegistrationRefused("the token was used already"));
        impostor.awaitClosed();
        assertThat(impostor.channel.closeStatus()).contains("1008 registration refused");
        assertThat(impostor.channel.identity().clientCertificate()).isEmpty();
        assertThat(decider.decided).containsExactly("vm-1 accepted", "vm-1 refused");
    }

    @Test
    void a_registration_with_a_wrong_token_is_refused_and_the_token_is_never_logged() throws Exception {
        Agent agent = dial(AgentTlsIdentity.inMemory(authority.caFingerprint()));

        agent.channel.send(register("vm-2", "reg_SECRET-TOKEN-guessed"));

        assertThat(agent.next()).isEqualTo(new RegistrationRefused("wrong registration token"));
        agent.awaitClosed();
        assertThat(connections.isConnected("vm-2")).isFalse();
        // stop() checks the log for every token.
    }

    @Test
    void an_agent_that_pins_another_fingerprint_cannot_connect() {
        AgentTlsIdentity misled = AgentTlsIdentity.inMemory("ab".repeat(32));
        WebSocketChannel channel = new WebSocketChannel(URI.create(endpoint.url()), misled);

        assertThatThrownBy(() -> channel.open(message -> { }, frame -> { }, () -> { }))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot connect to the Asterism server")
                .hasMessageContaining("does not lead to the Asterism CA with fingerprint " + "ab".repeat(32));
        assertThat(decider.decided).isEmpty();
    }

    @Test
    void a_certificate_bound_connection_speaking_for_another_vm_is_closed() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        Agent agent = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");

        agent.channel.send(new Heartbeat("vm-2", Instant.parse("2026-01-01T00:00:00Z")));

        agent.awaitClosed();
        assertThat(agent.channel.closeStatus().orElseThrow()).startsWith("1008").contains("belongs to VM vm-1");
        assertThat(handler.next()).isEqualTo("disconnected vm-1");
        assertThat(handler.events).doesNotContain("vm-2 heartbeat");
        assertThat(connections.isConnected("vm-2")).isFalse();
    }

    @Test
    void a_certificate_bound_connection_cannot_register_again() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        Agent agent = dial(identity);

        agent.channel.send(register("vm-2", TOKEN_2));

        agent.awaitClosed();
        assertThat(agent.channel.closeStatus().orElseThrow()).startsWith("1008");
        assertThat(decider.decided).containsExactly("vm-1 accepted");
    }

    @Test
    void an_agent_that_stopped_before_recording_its_role_gets_it_again_on_its_certified_connection()
            throws Exception {
        Register first = register("vm-1", TOKEN_1);
        AgentTlsIdentity identity = registered(first);
        Agent agent = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");

        agent.channel.send(first);

        Registered again = (Registered) agent.next();
        assertThat(again.role()).isEqualTo(AgentRole.STUB);
        assertThat(again.clientCertificate()).as("no new certificate").isEmpty();
        assertThat(decider.decided).containsExactly("vm-1 accepted", "vm-1 repeated");
        agent.channel.send(new Heartbeat("vm-1", Instant.parse("2026-01-01T00:00:00Z")));
        assertThat(handler.next()).as("the connection stays bound").isEqualTo("vm-1 heartbeat");
    }

    @Test
    void a_certified_connection_registering_again_with_another_sealing_key_is_closed() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        Agent agent = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");

        agent.channel.send(register("vm-1", TOKEN_1));

        agent.awaitClosed();
        assertThat(agent.channel.closeStatus().orElseThrow()).startsWith("1008").contains("registered already");
        assertThat(decider.decided).containsExactly("vm-1 accepted", "vm-1 refused");
    }

    @Test
    void an_unregistered_connection_must_register_first() throws Exception {
        Agent agent = dial(AgentTlsIdentity.inMemory(authority.caFingerprint()));

        agent.channel.send(new Heartbeat("vm-1", Instant.parse("2026-01-01T00:00:00Z")));

        agent.awaitClosed();
        assertThat(agent.channel.closeStatus().orElseThrow()).startsWith("1008").contains("register first");
        assertThat(handler.events).isEmpty();
    }

    @Test
    void the_server_sends_to_a_connected_agent_and_sees_it_leave() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        Agent agent = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");
        ControllerCommand command = new ControllerCommand("cmd-7", CommandKind.VERIFY_JOIN, Map.of("member", "m-1"));

        assertThat(connections.isConnected("vm-1")).isTrue();
        assertThat(connections.send("vm-1", command)).isTrue();
        assertThat(agent.next()).isEqualTo(command);

        agent.channel.close();
        assertThat(handler.next()).isEqualTo("disconnected vm-1");
        assertThat(connections.isConnected("vm-1")).isFalse();
        assertThat(connections.send("vm-1", command)).isFalse();
        assertThat(connections.send("vm-2", command)).isFalse();
    }

    @Test
    void a_newer_connection_of_the_same_agent_replaces_the_older_one() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        Agent older = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");

        Agent newer = dial(identity);
        assertThat(handler.next()).isEqualTo("connected vm-1");
        older.awaitClosed();

        assertThat(connections.isConnected("vm-1")).isTrue();
        ControllerCommand command = new ControllerCommand("cmd-8", CommandKind.VERIFY_JOIN, Map.of());
        assertThat(connections.send("vm-1", command)).isTrue();
        assertThat(newer.next()).isEqualTo(command);
    }

    @Test
    void the_ca_and_its_fingerprint_survive_an_endpoint_restart() throws Exception {
        AgentTlsIdentity identity = registered("vm-1", TOKEN_1);
        endpoint.close();

        authority = AgentCertificateAuthority.openOrCreate(dataDirectory, List.of(), Clock.systemUTC());
        endpoint = new AgentEndpoint(AgentEndpoint.Settings.loopback(0), authority, decider, handler, connections,
                Clock.systemUTC()).start();
        Agent agent = dial(identity);
        agent.channel.send(new Heartbeat("vm-1", Instant.parse("2026-01-01T00:00:00Z")));

        assertThat(authority.caFingerprint()).isEqualTo(identity.caFingerprint());
        assertThat(handler.next()).isEqualTo("connected vm-1");
        assertThat(handler.next()).isEqualTo("vm-1 heartbeat");
    }

    /** Registers an agent for the VM on a first connection, closes it, and returns its identity. */
    private AgentTlsIdentity registered(String vmId, String token) throws Exception {
        return registered(register(vmId, token));
    }

    /** Sends {@code register} on a first connection, closes it, and returns the agent's identity. */
    private AgentTlsIdentity registered(Register register) throws Exception {
        AgentTlsIdentity identity = AgentTlsIdentity.inMemory(authority.caFingerprint());
        Agent agent = dial(identity);
        agent.channel.send(register);
        assertThat(agent.next()).isInstanceOf(Registered.class);
        assertThat(handler.next()).isEqualTo("connected " + register.vmId());
        agent.channel.close();
        assertThat(handler.next()).isEqualTo("disconnected " + register.vmId());
        return identity;
    }

    private Agent dial(AgentTlsIdentity identity) {
        WebSocketChannel channel = new WebSocketChannel(URI.create(endpoint.url()), identity);
        channels.add(channel);
        Agent agent = new Agent(channel);
        channel.open(agent.received::add, frame -> { }, agent.closed::countDown);
        return agent;
    }

    private static Register register(String vmId, String token) throws Exception {
        String x25519 = Sealing.encodePublicKey(KeyPairGenerator.getInstance("X25519").generateKeyPair().getPublic());
        return new Register(vmId, token, x25519, "0.1.0", "linux");
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within %s", WAIT).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    /** One agent connection as the test sees it. */
    private static final class Agent {
        final WebSocketChannel channel;
        final BlockingQueue<Message> received = new LinkedBlockingQueue<>();
        final CountDownLatch closed = new CountDownLatch(1);

        Agent(WebSocketChannel channel) {
            this.channel = channel;
        }

        Message next() throws InterruptedException {
            Message message = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(message).as("a message from the server within %s", WAIT).isNotNull();
            return message;
        }

        void awaitClosed() throws InterruptedException {
            assertThat(closed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).as("the connection closed").isTrue();
        }
    }

    /**
     * A decider like the server's: each VM's token registers once, and again only with both keys of the agent that
     * registered (its first answer was lost); a reused or wrong token is refused.
     */
    private static final class OneTimeTokens implements RegistrationDecider {
        final Map<String, String> tokens;
        final Map<String, String> keysOfRegistered = new ConcurrentHashMap<>();
        final List<String> decided = Collections.synchronizedList(new ArrayList<>());

        OneTimeTokens(Map<String, String> tokens) {
            this.tokens = tokens;
        }

        @Override
        public Decision decide(Register register) {
            String expected = tokens.get(register.vmId());
            if (expected == null || !expected.equals(register.registrationToken())) {
                decided.add(register.vmId() + " refused");
                return Decision.refused("wrong registration token");
            }
            String keys = register.agentPublicKey() + " " + register.tlsPublicKey().orElse("");
            String registeredWith = keysOfRegistered.putIfAbsent(register.vmId(), keys);
            if (keys.equals(registeredWith)) {
                decided.add(register.vmId() + " repeated");
                return Decision.accepted(AgentRole.STUB);
            }
            if (registeredWith != null) {
                decided.add(register.vmId() + " refused");
                return Decision.refused("the token was used already");
            }
            decided.add(register.vmId() + " accepted");
            return Decision.accepted(AgentRole.STUB);
        }

        @Override
        public AgentRole roleOf(String vmId) {
            return AgentRole.STUB;
        }
    }

    /** Records what the endpoint hands over, as short lines. */
    private static final class RecordingHandler implements AgentMessageHandler {
        final List<String> events = Collections.synchronizedList(new ArrayList<>());
        final BlockingQueue<String> queue = new LinkedBlockingQueue<>();

        @Override
        public void onMessage(String vmId, Message message) {
            record(vmId + " " + message.type().wireName());
        }

        @Override
        public void onTunnelFrame(String vmId, dev.asterism.protocol.tunnel.TunnelFrame frame) {
            record(vmId + " tunnel " + frame.kind());
        }

        @Override
        public void onConnected(String vmId) {
            record("connected " + vmId);
        }

        @Override
        public void onDisconnected(String vmId) {
            record("disconnected " + vmId);
        }

        private void record(String event) {
            events.add(event);
            queue.add(event);
        }

        String next() throws InterruptedException {
            String event = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(event).as("a handler call within %s", WAIT).isNotNull();
            return event;
        }
    }

    /** Everything the endpoint logs, at every level. */
    private static final class CapturedLog extends Handler {
        private final Map<Long, String> lines = new ConcurrentHashMap<>();
        private long sequence;

        CapturedLog() {
            setLevel(java.util.logging.Level.ALL);
        }

        @Override
        public synchronized void publish(LogRecord record) {
            StringBuilder line = new StringBuilder(String.valueOf(record.getMessage()));
            for (Throwable cause = record.getThrown(); cause != null; cause = cause.getCause()) {
                line.append(" | ").append(cause);
            }
            lines.put(sequence++, line.toString());
        }

        String text() {
            return String.join("\n", lines.values());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
