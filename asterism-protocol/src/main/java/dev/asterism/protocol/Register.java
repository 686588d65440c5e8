package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

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
 * @throws IllegalArgumentException when a text is blank or the key is not a canonical raw X25519 public key
 * @throws NullPointerException when a field is null
 */
public record Register(
        String vmId,
        String registrationToken,
        String agentPublicKey,
        Optional<String> agentVersion,
        Optional<String> osFamily) implements Message {

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
    }

    /** A registration from a current agent, which always says its version and OS family. */
    public Register(String vmId, String registrationToken, String agentPublicKey, String agentVersion,
            String osFamily) {
        this(vmId, registrationToken, agentPublicKey,
                Optional.of(Validation.requireText(agentVersion, "agentVersion")),
                Optional.of(Validation.requireText(osFamily, "osFamily")));
    }

    @Override
    public String toString() {
        return "Register[vmId=" + vmId + ", registrationToken=" + Validation.REDACTED
                + ", agentPublicKey=" + agentPublicKey + ", agentVersion=" + agentVersion.orElse("<unknown>")
                + ", osFamily=" + osFamily.orElse("<unknown>") + "]";
    }
}
