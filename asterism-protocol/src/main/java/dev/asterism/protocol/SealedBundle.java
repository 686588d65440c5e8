package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

/**
 * Server to stub: a join bundle sealed by the controller to the stub's public key. The server relays it as it
 * got it and cannot read it; the stub {@linkplain Sealing#open opens} it, decodes the {@link JoinBundle} with
 * {@link ProtocolCodec#decodeJoinBundle} and runs its steps, reporting each one with a {@link StepReport}.
 *
 * @param bundleId the bundle's id, repeated in every {@link StepReport}; delivering the same id twice runs it once
 * @param memberName the member the bundle makes of this VM
 * @param sealed the ciphertext
 * @throws IllegalArgumentException when an id or name is blank
 * @throws NullPointerException when a field is null
 */
public record SealedBundle(String bundleId, String memberName, SealedBox sealed) implements Message {

    public SealedBundle {
        Validation.requireText(bundleId, "bundleId");
        Validation.requireText(memberName, "memberName");
        requireNonNull(sealed, "sealed is null");
    }
}
