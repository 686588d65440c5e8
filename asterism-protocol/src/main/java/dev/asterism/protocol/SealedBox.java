package dev.asterism.protocol;

/**
 * A plaintext sealed to one X25519 public key by {@link Sealing#seal}: only the holder of the matching private key
 * can {@linkplain Sealing#open open} it, and any change to any field makes opening fail. It carries no secret, so
 * the server may store, log and relay it.
 *
 * <p>All binary fields are standard base64 (RFC 4648, with padding).
 *
 * @param ephemeralPublicKey the sender's one-use X25519 public key, raw 32 bytes
 * @param nonce the AES-GCM nonce, 12 bytes
 * @param ciphertext the AES-256-GCM ciphertext followed by its 16-byte tag
 * @param associatedData what the box is for, for example {@code asterism-join-bundle:v1:<vmId>}; not secret and
 *     not encrypted, but bound to the ciphertext: a box opens only where the same text is expected
 * @throws IllegalArgumentException when a field is not base64 of the right length
 * @throws NullPointerException when a field is null
 */
public record SealedBox(String ephemeralPublicKey, String nonce, String ciphertext, String associatedData) {

    public SealedBox {
        Validation.requireBase64(ephemeralPublicKey, "ephemeralPublicKey", Sealing.KEY_LENGTH);
        Validation.requireBase64(nonce, "nonce", Sealing.NONCE_LENGTH);
        Validation.requireBase64AtLeast(ciphertext, "ciphertext", Sealing.TAG_LENGTH);
        Validation.requirePresent(associatedData, "associatedData");
    }
}
