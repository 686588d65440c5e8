package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Optional;

/**
 * Agent to server, first message on a new channel: a stub asks to be registered as the agent of a VM.
 * The server accepts one registration per VM, and answers {@link Registered} or {@link RegistrationRefused}.
 *
 * <p>{@code toString} redacts the registration token.
 *
 * @param vmId the server's id of the VM, from the VM's bootstrap data
 * @param registrationToken the one-time bootstrap token from the VM's bootstrap data (a secret)
 * @param agentPublicKey the stub's X25519 public key, base64 of its raw 32 bytes ({@link Sealing#encodePublicKey});
 *     join bundles are sealed to it
 * @param agentVersion the agent's release, for example {@code 0.3.1}; empty from older agents that did not send it
 * @param osFamily the guest's OS family, for example {@code linux} or {@code windows}; empty from older agents
 * @param tlsPublicKey the public half of the agent's TLS key, base64 of its X.509 SubjectPublicKeyInfo (an EC P-256
 *     key): the server issues the agent's client certificate for it. The private half never leaves the agent.
 *     Empty from older agents, which then get no client certificate.
 * @throws IllegalArgumentException when a text is blank, the key is not a canonical raw X25519 public key, or the
 *     TLS key is not an EC P-256 public key
 * @throws NullPointerException when a field is null
 */
public record Register(
        String vmId,
        String registrationToken,
        String agentPublicKey,
        Optional<String> agentVersion,
        Optional<String> osFamily,
        Optional<String> tlsPublicKey) implements Message {

    public Register {
        Validation.requireText(vmId, "vmId");
        Validation.requireText(registrationToken, "registrationToken");
        Validation.requirePresent(agentPublicKey, "agentPublicKey");
        try {
            Sealing.decodePublicKey(agentPublicKey);
        } catch (SealingException invalid) {
            throw new IllegalArgumentException("agentPublicKey: " + invalid.getMessage());
        }
        requireNonNull(agentVersion, "agentVersion is null");
        requireNonNull(osFamily, "osFamily is null");
        agentVersion.ifPresent(version -> Validation.requireText(version, "agentVersion"));
        osFamily.ifPresent(family -> Validation.requireText(family, "osFamily"));
        requireNonNull(tlsPublicKey, "tlsPublicKey is null");
        tlsPublicKey.ifPresent(key -> requireEcP256PublicKey(key, "tlsPublicKey"));
    }

    /** A registration without a TLS key, as agents before the TLS channel sent it. */
    public Register(String vmId, String registrationToken, String agentPublicKey, Optional<String> agentVersion,
            Optional<String> osFamily) {
        this(vmId, registrationToken, agentPublicKey, agentVersion, osFamily, Optional.empty());
    }

    /** A registration from a current agent, which always says its version and OS family. */
    public Register(String vmId, String registrationToken, String agentPublicKey, String agentVersion,
            String osFamily) {
        this(vmId, registrationToken, agentPublicKey,
                Optional.of(Validation.requireText(agentVersion, "agentVersion")),
                Optional.of(Validation.requireText(osFamily, "osFamily")), Optional.empty());
    }

    /** A registration from a current agent that asks for a client certificate for its TLS key. */
    public Register(String vmId, String registrationToken, String agentPublicKey, String agentVersion,
            String osFamily, String tlsPublicKey) {
        this(vmId, registrationToken, agentPublicKey,
                Optional.of(Validation.requireText(agentVersion, "agentVersion")),
                Optional.of(Validation.requireText(osFamily, "osFamily")),
                Optional.of(Validation.requirePresent(tlsPublicKey, "tlsPublicKey")));
    }

    /** The same registration, asking for a client certificate for this TLS key. */
    public Register withTlsPublicKey(String key) {
        return new Register(vmId, registrationToken, agentPublicKey, agentVersion, osFamily,
                Optional.of(Validation.requirePresent(key, "tlsPublicKey")));
    }

    @Override
    public String toString() {
        return "Register[vmId=" + vmId + ", registrationToken=" + Validation.REDACTED
                + ", agentPublicKey=" + agentPublicKey + ", agentVersion=" + agentVersion.orElse("<unknown>")
                + ", osFamily=" + osFamily.orElse("<unknown>")
                + ", tlsPublicKey=" + (tlsPublicKey.isPresent() ? "<present>" : "<none>") + "]";
    }

    /** The value, when it is standard base64 of an X.509 SubjectPublicKeyInfo of an EC key on the P-256 curve. */
    private static String requireEcP256PublicKey(String value, String field) {
        byte[] encoded = Validation.decodeBase64(value, field);
        PublicKey key;
        try {
            key = KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(encoded));
        } catch (GeneralSecurityException | IllegalArgumentException notAKey) {
            throw new IllegalArgumentException(field + " must be base64 of an X.509 SubjectPublicKeyInfo of an EC key");
        }
        if (!(key instanceof ECPublicKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256
                || ec.getParams().getCofactor() != 1) {
            throw new IllegalArgumentException(field + " must be an EC key on the P-256 curve");
        }
        return value;
    }
}
