package dev.asterism.server.agent;

import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.ControllerCommand;
import dev.asterism.protocol.Heartbeat;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.ProtocolException;
import dev.asterism.protocol.Register;
import dev.asterism.protocol.Registered;
import dev.asterism.protocol.RegistrationRefused;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.tunnel.TunnelFrame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.api.WebSocketListener;

/**
 * One agent's connection to the {@link AgentEndpoint}: unbound until a client certificate or an accepted
 * registration binds it to a VM. Jetty calls it for one connection at a time, in order; sends may come from any
 * thread.
 */
final class AgentSocket implements WebSocketListener, AgentConnections.Connection {

    /** What every socket of one endpoint shares. */
    record Context(AgentCertificateAuthority authority, RegistrationDecider decider, AgentMessageHandler handler,
            AgentConnections connections, ProtocolCodec codec, Clock clock) {
    }

    private static final Logger LOG = Logger.getLogger(AgentSocket.class.getName());
    /** RFC 6455 allows 123 bytes of close reason. */
    private static final int MAX_CLOSE_REASON_BYTES = 123;

    private final Context context;
    private final Object sendLock = new Object();
    private volatile Session session;
    private volatile String boundVmId;
    private boolean registrationTried;
    private final X509Certificate clientCertificate;
    private volatile boolean renewalSent;
    private boolean closed;

    /**
     * @param certifiedVmId the VM the connection's client certificate is bound to, when it presented one
     * @param clientCertificate that certificate, or null
     */
    AgentSocket(Context context, Optional<String> certifiedVmId, X509Certificate clientCertificate) {
        this.context = context;
        this.boundVmId = certifiedVmId.orElse(null);
        this.clientCertificate = clientCertificate;
    }

    @Override
    public void onWebSocketConnect(Session newSession) {
        session = newSession;
        if (boundVmId != null) {
            bind(boundVmId);
            renewCertificateIfDue(boundVmId);
        }
    }

    /**
     * Hands an agent whose certificate is in the last third of its validity a new one for the same key, in a
     * {@code Registered} message (which a registered agent takes as a renewal only): once per connection, checked
     * when it connects and at each heartbeat, so a connection that stays open for weeks renews too.
     */
    private void renewCertificateIfDue(String vmId) {
        X509Certificate current = clientCertificate;
        if (current == null || renewalSent || !context.authority().dueForRenewal(current)) {
            return;
        }
        renewalSent = true;
        try {
            X509Certificate fresh = context.authority().issueAgentCertificate(vmId, current.getPublicKey());
            Registered renewal = new Registered(vmId, context.decider().roleOf(vmId), context.clock().instant(),
                    AgentCertificateAuthority.pem(fresh), context.authority().caCertificatePem());
            if (send(renewal)) {
                LOG.info("renewed the client certificate of the agent of VM " + vmId + " until "
                        + fresh.getNotAfter().toInstant());
            }
        } catch (RuntimeException failure) {
            LOG.log(Level.WARNING, "could not renew the client certificate of the agent of VM " + vmId, failure);
        }
    }

    @Override
    public void onWebSocketText(String text) {
        Message message;
        try {
            message = context.codec().decode(text).message();
        } catch (ProtocolException unreadable) {
            // The codec's messages name fields, never values, so they may be logged and sent back.
            LOG.fine(() -> "closing an agent connection" + who() + ": " + unreadable.getMessage());
            close(StatusCode.BAD_PAYLOAD, unreadable.getMessage());
            return;
        }
        String vmId = boundVmId;
        if (vmId == null) {
            onFirstMessage(message);
        } else {
            onBoundMessage(vmId, message);
        }
    }

    @Override
    public void onWebSocketBinary(byte[] payload, int offset, int length) {
        String vmId = boundVmId;
        if (vmId == null) {
            close(StatusCode.POLICY_VIOLATION, "register first: tunnel frames come from registered agents only");
            return;
        }
        TunnelFrame frame;
        try {
            frame = TunnelFrame.decode(ByteBuffer.wrap(payload, offset, length));
        } catch (ProtocolException unreadable) {
            LOG.fine(() -> "closing an agent connection" + who() + ": " + unreadable.getMessage());
            close(StatusCode.BAD_PAYLOAD, unreadable.getMessage());
            return;
        }
        try {
            context.handler().onTunnelFrame(vmId, frame);
        } catch (RuntimeException failure) {
            LOG.log(Level.SEVERE, "handling a tunnel frame of VM " + vmId + " failed", failure);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason) {
        disconnected();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        LOG.log(Level.FINE, "agent connection" + who() + " failed", cause);
        disconnected();
    }

    @Override
    public boolean send(Message message) {
        String text = context.codec().encode(message);
        synchronized (sendLock) {
            Session current = session;
            if (current == null || !current.isOpen()) {
                return false;
            }
            try {
                current.getRemote().sendString(text);
                return true;
            } catch (IOException | RuntimeException broken) {
                LOG.log(Level.FINE, "could not send to agent" + who(), broken);
                return false;
            }
        }
    }

    @Override
    public boolean send(TunnelFrame frame) {
        ByteBuffer bytes = frame.encode();
        synchronized (sendLock) {
            Session current = session;
            if (current == null || !current.isOpen()) {
                return false;
            }
            try {
                current.getRemote().sendBytes(bytes);
                return true;
            } catch (IOException | RuntimeException broken) {
                LOG.log(Level.FINE, "could not send a tunnel frame to agent" + who(), broken);
                return false;
            }
        }
    }

    @Override
    public void close(int status, String reason) {
        Session current = session;
        if (current != null && current.isOpen()) {
            current.close(status, fitCloseReason(reason));
        }
    }

    private void onFirstMessage(Message message) {
        if (!(message instanceof Register register)) {
            close(StatusCode.POLICY_VIOLATION, "register first: present a client certificate or send register");
            return;
        }
        if (registrationTried) {
            // A refused registration closes the connection; anything after it is late.
            return;
        }
        registrationTried = true;
        if (register.tlsPublicKey().isEmpty()) {
            refuse("the agent sent no TLS public key to certify: upgrade the agent in the VM image");
            return;
        }
        PublicKey tlsKey;
        try {
            tlsKey = KeyFactory.getInstance("EC").generatePublic(
                    new X509EncodedKeySpec(Base64.getDecoder().decode(register.tlsPublicKey().get())));
        } catch (GeneralSecurityException | IllegalArgumentException invalid) {
            refuse("the agent's TLS public key is not an EC P-256 key");
            return;
        }
        Optional<RegistrationDecider.Decision> decided = decide(register);
        if (decided.isEmpty()) {
            return;
        }
        switch (decided.get()) {
            case RegistrationDecider.Refused refused -> {
                LOG.info("refused the registration of VM " + register.vmId() + who() + ": " + refused.reason());
                refuse(refused.reason());
            }
            case RegistrationDecider.Accepted accepted -> {
                X509Certificate certificate = context.authority().issueAgentCertificate(register.vmId(), tlsKey);
                Registered registered = new Registered(register.vmId(), accepted.role(), context.clock().instant(),
                        AgentCertificateAuthority.pem(certificate), context.authority().caCertificatePem());
                if (send(registered)) {
                    LOG.info("registered the agent of VM " + register.vmId() + who() + " as " + accepted.role());
                    bind(register.vmId());
                } else {
                    LOG.warning("the agent of VM " + register.vmId() + " was registered, but its connection broke"
                            + " before it got its certificate");
                }
            }
        }
    }

    private void onBoundMessage(String vmId, Message message) {
        Optional<String> named = namedVmId(message);
        if (named.isPresent() && !named.get().equals(vmId)) {
            LOG.warning("the agent of VM " + vmId + who() + " sent a message for another VM; closing its connection");
            close(StatusCode.POLICY_VIOLATION, "this connection belongs to VM " + vmId + " and speaks for no other");
            return;
        }
        switch (message) {
            case Register register -> registerAgain(vmId, register);
            case Registered registered -> closeServerOnly(message);
            case RegistrationRefused refused -> closeServerOnly(message);
            case SealedBundle bundle -> closeServerOnly(message);
            case ControllerCommand command -> closeServerOnly(message);
            case Heartbeat heartbeat -> {
                renewCertificateIfDue(vmId);
                handle(vmId, message);
            }
            case StepReport report -> handle(vmId, message);
            case CommandResult result -> handle(vmId, message);
        }
    }

    /**
     * A registration on a connection that its client certificate binds to the VM already: the agent stopped after
     * its certificate arrived and before it recorded its role (a crash, a power cut). When the decider takes it as
     * the same agent repeating (both keys match), it gets its role again, without a new certificate; otherwise the
     * connection closes.
     */
    private void registerAgain(String vmId, Register register) {
        Optional<RegistrationDecider.Decision> decided = decide(register);
        if (decided.isEmpty()) {
            return;
        }
        switch (decided.get()) {
            case RegistrationDecider.Refused refused -> {
                LOG.warning("the agent of VM " + vmId + who() + " registered again and was refused: "
                        + refused.reason());
                close(StatusCode.POLICY_VIOLATION, "VM " + vmId + " is registered already; its client certificate"
                        + " identifies it");
            }
            case RegistrationDecider.Accepted accepted -> {
                LOG.info("the agent of VM " + vmId + who() + " registered again; it gets its role "
                        + accepted.role() + " again");
                send(new Registered(vmId, accepted.role(), context.clock().instant()));
            }
        }
    }

    /** The decider's answer, or empty when deciding failed (the connection is closed then, to be tried again). */
    private Optional<RegistrationDecider.Decision> decide(Register register) {
        try {
            return Optional.of(context.decider().decide(register));
        } catch (RuntimeException failure) {
            String incident = UUID.randomUUID().toString();
            LOG.log(Level.SEVERE, "deciding the registration of VM " + register.vmId() + " failed, incident "
                    + incident, failure);
            close(StatusCode.SERVER_ERROR, "the server could not decide the registration (incident " + incident
                    + "): try again");
            return Optional.empty();
        }
    }

    private void handle(String vmId, Message message) {
        try {
            context.handler().onMessage(vmId, message);
        } catch (RuntimeException failure) {
            String incident = UUID.randomUUID().toString();
            LOG.log(Level.SEVERE, "handling a " + message.type().wireName() + " of VM " + vmId + " failed, incident "
                    + incident, failure);
            close(StatusCode.SERVER_ERROR, "the server failed to handle a message (incident " + incident
                    + "): reconnect and report again");
        }
    }

    private void closeServerOnly(Message message) {
        close(StatusCode.POLICY_VIOLATION, "agents do not send " + message.type().wireName());
    }

    private void refuse(String reason) {
        send(new RegistrationRefused(reason));
        close(StatusCode.POLICY_VIOLATION, "registration refused");
    }

    private void bind(String vmId) {
        Optional<AgentConnections.Connection> replaced;
        synchronized (sendLock) {
            // A connection that closed already must not be left behind as the VM's current one.
            if (closed) {
                return;
            }
            boundVmId = vmId;
            replaced = context.connections().bind(vmId, this);
        }
        replaced.ifPresent(older ->
                older.close(StatusCode.POLICY_VIOLATION, "replaced by a newer connection of the same agent"));
        try {
            context.handler().onConnected(vmId);
        } catch (RuntimeException failure) {
            LOG.log(Level.SEVERE, "the handler failed on the connection of VM " + vmId, failure);
        }
    }

    private void disconnected() {
        String vmId;
        synchronized (sendLock) {
            if (closed) {
                return;
            }
            closed = true;
            vmId = boundVmId;
        }
        if (vmId != null && context.connections().unbind(vmId, this)) {
            try {
                context.handler().onDisconnected(vmId);
            } catch (RuntimeException failure) {
                LOG.log(Level.SEVERE, "the handler failed on the disconnection of VM " + vmId, failure);
            }
        }
    }

    private String who() {
        Session current = session;
        return current == null ? "" : " from " + current.getRemoteAddress();
    }

    private static Optional<String> namedVmId(Message message) {
        return switch (message) {
            case Register register -> Optional.of(register.vmId());
            case Heartbeat heartbeat -> Optional.of(heartbeat.vmId());
            case Registered registered -> Optional.of(registered.vmId());
            case RegistrationRefused refused -> Optional.empty();
            case SealedBundle bundle -> Optional.empty();
            case StepReport report -> Optional.empty();
            case ControllerCommand command -> Optional.empty();
            case CommandResult result -> Optional.empty();
        };
    }

    private static String fitCloseReason(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_CLOSE_REASON_BYTES) {
            return reason;
        }
        String cut = reason;
        while (cut.getBytes(StandardCharsets.UTF_8).length > MAX_CLOSE_REASON_BYTES - 3) {
            cut = cut.substring(0, cut.length() - 1);
        }
        return cut + "...";
    }
}
