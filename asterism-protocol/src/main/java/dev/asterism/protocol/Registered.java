package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.Optional;

/**
 * Server to agent: the registration is accepted, and this is the role the agent takes now.
 *
 * <p>When the agent sent a {@link Register#tlsPublicKey()}, the server also sends the client certificate it
 * issued for that key, bound to the VM id, and its own CA certificate; the agent presents the client certificate
 * on every later connection, and from then on trusts only that CA.
 *
 * <p>Sent again to an agent that registered before, it renews the client certificate (same key, new validity),
 * and nothing else: the agent keeps its role.
 *
 * @param vmId the VM the agent is registered for
 * @param role {@link AgentRole#STUB} until a join bundle arrives, {@link AgentRole#CONTROLLER} for a VM of a
 *     controller brick, {@link AgentRole#WORKER} for a member that has joined
 * @param serverTime the server's clock, so that an agent can notice a large skew
 * @param clientCertificate the agent's client certificate, one PEM {@code CERTIFICATE} block; empty from older
 *     servers and for agents that sent no TLS key
 * @param caCertificate the server's agent CA certificate, one PEM {@code CERTIFICATE} block; empty when
 *     {@code clientCertificate} is
 * @throws IllegalArgumentException when vmId is blank or a certificate is not one PEM certificate
 * @throws NullPointerException when a field is null
 */
public record Registered(
        String vmId,
        AgentRole role,
        Instant serverTime,
        Optional<String> clientCertificate,
        Optional<String> caCertificate) implements Message {

    public Registered {
        Validation.requireText(vmId, "vmId");
        requireNonNull(role, "role is null");
        requireNonNull(serverTime, "serverTime is null");
        requireNonNull(clientCertificate, "clientCertificate is null");
        requireNonNull(caCertificate, "caCertificate is null");
        clientCertificate.ifPresent(pem -> requirePemCertificate(pem, "clientCertificate"));
        caCertificate.ifPresent(pem -> requirePemCertificate(pem, "caCertificate"));
    }

    /** An acceptance without certificates, as older servers sent it. */
    public Registered(String vmId, AgentRole role, Instant serverTime) {
        this(vmId, role, serverTime, Optional.empty(), Optional.empty());
    }

    /** An acceptance that hands the agent its client certificate and the CA's certificate (both PEM). */
    public Registered(String vmId, AgentRole role, Instant serverTime, String clientCertificate,
            String caCertificate) {
        this(vmId, role, serverTime, Optional.of(Validation.requirePresent(clientCertificate, "clientCertificate")),
                Optional.of(Validation.requirePresent(caCertificate, "caCertificate")));
    }

    @Override
    public String toString() {
        return "Registered[vmId=" + vmId + ", role=" + role + ", serverTime=" + serverTime
                + ", clientCertificate=" + (clientCertificate.isPresent() ? "<present>" : "<none>")
                + ", caCertificate=" + (caCertificate.isPresent() ? "<present>" : "<none>") + "]";
    }

    /** The value, when it is exactly one PEM {@code CERTIFICATE} block holding an X.509 certificate. */
    private static String requirePemCertificate(String value, String field) {
        Validation.requireText(value, field);
        String trimmed = value.strip();
        String begin = "-----BEGIN CERTIFICATE-----";
        String end = "-----END CERTIFICATE-----";
        if (!trimmed.startsWith(begin) || !trimmed.endsWith(end) || trimmed.indexOf(begin, 1) >= 0) {
            throw new IllegalArgumentException(field + " must be one PEM CERTIFICATE block");
        }
        try {
            CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(trimmed.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | RuntimeException notACertificate) {
            throw new IllegalArgumentException(field + " is not a readable X.509 certificate");
        }
        return value;
    }
}
