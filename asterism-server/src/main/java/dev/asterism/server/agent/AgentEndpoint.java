package dev.asterism.server.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.server.JettyServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.JettyServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.JettyWebSocketServlet;
import org.eclipse.jetty.websocket.server.JettyWebSocketServletFactory;
import org.eclipse.jetty.websocket.server.config.JettyWebSocketServletContainerInitializer;

/**
 * The agent channel's server end: a WebSocket endpoint over TLS 1.3 at {@value #PATH}, on its own port, separate
 * from the HTTP API. Agents dial it; the server never dials an agent.
 *
 * <p>TLS: the server certificate comes from the {@link AgentCertificateAuthority}, whose fingerprint every agent
 * pins. Client certificates are asked for but not required: a connection that presents one this CA issued is bound
 * at once to the VM named in it; a connection without one may only register.
 *
 * <p>Per connection:
 * <ul>
 *   <li><b>Without a client certificate</b> the first message must be {@code Register} with a
 *       {@code tlsPublicKey}. The {@link RegistrationDecider} decides. Accepted: the agent gets {@code Registered}
 *       with the role, a client certificate issued for its TLS key and VM id, and the CA's certificate, and this
 *       connection is bound to the VM (the agent presents the certificate from its next connection on). Refused:
 *       the agent gets {@code RegistrationRefused} with the reason and the connection closes (1008). Any other
 *       first message closes it (1008) without asking the decider.</li>
 *   <li><b>Bound to a VM</b>, every message goes to the {@link AgentMessageHandler} with the VM id. A message that
 *       names another VM ({@code Heartbeat}, {@code Register}), a second {@code Register}, or a message only the
 *       server sends closes the connection (1008). A newer bound connection of the same VM replaces the older one,
 *       which is closed.</li>
 *   <li>Binary messages are {@link TunnelFrame}s of the tunnels the server opened to the agent; they go to
 *       {@link AgentMessageHandler#onTunnelFrame}. One before the connection is bound, or one that is not a frame
 *       this release reads, closes the connection (1008, 1007).</li>
 *   <li>Text that is not a message this release reads closes the connection (1007), as does a message larger
 *       than {@link ProtocolCodec#MAX_MESSAGE_CHARS} (1009).</li>
 * </ul>
 * Nothing from a message's content is logged; a registration token never appears in a log or a close reason.
 */
public final class AgentEndpoint implements AutoCloseable {

    /** The endpoint's path; agents dial {@code wss://host:port/agent/v1}. */
    public static final String PATH = "/agent/v1";

    private static final Logger LOG = Logger.getLogger(AgentEndpoint.class.getName());

    /**
     * How the endpoint listens.
     *
     * @param host the address to listen on; loopback unless agents in VMs must reach it from elsewhere
     * @param port 0 picks a free port
     * @param idleTimeout a connection without any frame for this long is closed; agents' heartbeats must come more
     *     often
     * @param maxMessageChars the largest text message accepted
     */
    public record Settings(String host, int port, Duration idleTimeout, int maxMessageChars) {
        public Settings {
            requireNonNull(host, "host is null");
            requireNonNull(idleTimeout, "idleTimeout is null");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port must be from 0 to 65535, not " + port);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("idleTimeout must be positive");
            }
            if (maxMessageChars < 1024) {
                throw new IllegalArgumentException("maxMessageChars must be at least 1024");
            }
        }

        /** Loopback, the given port, a two-minute idle timeout, 4 MiB messages. */
        public static Settings loopback(int port) {
            return new Settings("127.0.0.1", port, Duration.ofMinutes(2), ProtocolCodec.MAX_MESSAGE_CHARS);
        }

        public Settings withHost(String newHost) {
            return new Settings(newHost, port, idleTimeout, maxMessageChars);
        }

        public Settings withIdleTimeout(Duration timeout) {
            return new Settings(host, port, timeout, maxMessageChars);
        }
    }

    private final Settings settings;
    private final AgentCertificateAuthority authority;
    private final AgentSocket.Context context;
    private final Server server;
    private final ServerConnector connector;

    /**
     * An endpoint, not yet listening; {@link #start()} opens the port.
     *
     * @param connections where bound connections are kept; the rest of the server sends through it
     */
    public AgentEndpoint(Settings settings, AgentCertificateAuthority authority, RegistrationDecider decider,
            AgentMessageHandler handler, AgentConnections connections, Clock clock) {
        this.settings = requireNonNull(settings, "settings is null");
        this.authority = requireNonNull(authority, "authority is null");
        this.context = new AgentSocket.Context(authority, requireNonNull(decider, "decider is null"),
                requireNonNull(handler, "handler is null"), requireNonNull(connections, "connections is null"),
                new ProtocolCodec(), requireNonNull(clock, "clock is null"));

        QueuedThreadPool threads = new QueuedThreadPool(64, 2);
        threads.setName("asterism-agent-endpoint");
        server = new Server(threads);
        server.setStopTimeout(2_000);

        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        SecureRequestCustomizer secure = new SecureRequestCustomizer();
        // Agents may dial an address the certificate does not name when the operator says so; the agent checks
        // the name, so the server need not refuse a mismatched SNI.
        secure.setSniHostCheck(false);
        http.addCustomizer(secure);
        connector = new ServerConnector(server, new SslConnectionFactory(tls(), "http/1.1"),
                new HttpConnectionFactory(http));
        connector.setHost(settings.host());
        connector.setPort(settings.port());
        connector.setIdleTimeout(settings.idleTimeout().toMillis());
        server.addConnector(connector);

        ServletContextHandler servlets = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
        servlets.setContextPath("/");
        servlets.addServlet(new ServletHolder(new AgentServlet()), PATH);
        JettyWebSocketServletContainerInitializer.configure(servlets, null);
        server.setHandler(servlets);
    }

    /**
     * Opens the port.
     *
     * @throws UncheckedIOException when the port cannot be opened (taken, or the address is not this host's)
     */
    public AgentEndpoint start() {
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception ignored) {
                // The start failure is the one worth reporting.
            }
            throw new UncheckedIOException(new IOException("the agent endpoint cannot listen on " + settings.host()
                    + ":" + settings.port() + ": " + e.getMessage(), e));
        }
        LOG.info("agent endpoint listening on wss://" + hostForUrl() + ":" + port() + PATH + ", CA fingerprint "
                + authority.caFingerprint());
        return this;
    }

    /** The port it listens on (the chosen one when the settings said 0); -1 before {@link #start()}. */
    public int port() {
        return connector.getLocalPort();
    }

    /** The URL agents dial, for example {@code wss://127.0.0.1:8441/agent/v1}. */
    public String url() {
        return "wss://" + hostForUrl() + ":" + port() + PATH;
    }

    public AgentCertificateAuthority authority() {
        return authority;
    }

    /** Closes every agent connection and the port. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "the agent endpoint did not stop cleanly", e);
        }
    }

    private String hostForUrl() {
        return settings.host().contains(":") ? "[" + settings.host() + "]" : settings.host();
    }

    private SslContextFactory.Server tls() {
        try {
            char[] password = HexFormat.of().formatHex(new SecureRandom().generateSeed(16)).toCharArray();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("agent-endpoint", authority.serverPrivateKey(), password,
                    new Certificate[] {authority.serverCertificate(), authority.caCertificate()});
            KeyStore trusted = KeyStore.getInstance("PKCS12");
            trusted.load(null, null);
            trusted.setCertificateEntry("agent-ca", authority.caCertificate());

            SslContextFactory.Server factory = new SslContextFactory.Server();
            factory.setKeyStore(keys);
            factory.setKeyStorePassword(new String(password));
            factory.setTrustStore(trusted);
            factory.setWantClientAuth(true);
            factory.setIncludeProtocols("TLSv1.3");
            factory.setSniRequired(false);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS for the agent endpoint", e);
        }
    }

    /** Upgrades requests at {@link #PATH} to agent sockets. */
    private final class AgentServlet extends JettyWebSocketServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void configure(JettyWebSocketServletFactory factory) {
            factory.setIdleTimeout(settings.idleTimeout());
            factory.setMaxTextMessageSize(settings.maxMessageChars());
            factory.setMaxBinaryMessageSize(TunnelFrame.MAX_DATA + 64);
            factory.setCreator(AgentEndpoint.this::createSocket);
        }
    }

    private Object createSocket(JettyServerUpgradeRequest request, JettyServerUpgradeResponse response) {
        X509Certificate[] certificates = request.getCertificates();
        if (certificates == null || certificates.length == 0) {
            return new AgentSocket(context, Optional.empty(), null);
        }
        Optional<String> vmId = authority.vmIdOf(certificates[0]);
        if (vmId.isEmpty()) {
            try {
                response.sendForbidden("the client certificate is not an agent certificate of this server");
            } catch (IOException e) {
                LOG.log(Level.FINE, "could not refuse an agent connection", e);
            }
            return null;
        }
        return new AgentSocket(context, vmId, certificates[0]);
    }
}
