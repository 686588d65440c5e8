package dev.asterism.protocol;

import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869), as {@link Sealing} uses it to turn an X25519 shared secret into an AES key.
 * The JDK has no public HKDF before Java 24, hence this small one.
 *
 * <p>Fails with {@link SealingException.Code#UNAVAILABLE} when the JDK has no HmacSHA256, and with
 * {@link IllegalArgumentException} when more output is asked for than HKDF can give (255 blocks).
 */
final class Hkdf {

    static final int HASH_LENGTH = 32;
    private static final String HMAC = "HmacSHA256";

    private Hkdf() {
    }

    /** HKDF-Extract: the pseudorandom key HMAC(salt, inputKeyMaterial); an empty salt stands for 32 zero bytes. */
    static byte[] extract(byte[] salt, byte[] inputKeyMaterial) {
        byte[] effectiveSalt = salt.length == 0 ? new byte[HASH_LENGTH] : salt;
        Mac mac = mac(effectiveSalt);
        return mac.doFinal(inputKeyMaterial);
    }

    /** HKDF-Expand: {@code length} bytes of T(1) || T(2) || ..., T(i) = HMAC(prk, T(i-1) || info || i). */
    static byte[] expand(byte[] pseudorandomKey, byte[] info, int length) {
        if (length < 0 || length > 255 * HASH_LENGTH) {
            throw new IllegalArgumentException("HKDF-SHA256 gives between 0 and " + 255 * HASH_LENGTH + " bytes");
        }
        Mac mac = mac(pseudorandomKey);
        byte[] output = new byte[length];
        byte[] previous = new byte[0];
        int written = 0;
        for (int counter = 1; written < length; counter++) {
            mac.update(previous);
            mac.update(info);
            mac.update((byte) counter);
            Arrays.fill(previous, (byte) 0);
            previous = mac.doFinal();
            int chunk = Math.min(previous.length, length - written);
            System.arraycopy(previous, 0, output, written, chunk);
            written += chunk;
        }
        Arrays.fill(previous, (byte) 0);
        return output;
    }

    /** Extract then expand. */
    static byte[] derive(byte[] salt, byte[] inputKeyMaterial, byte[] info, int length) {
        byte[] pseudorandomKey = extract(salt, inputKeyMaterial);
        try {
            return expand(pseudorandomKey, info, length);
        } finally {
            Arrays.fill(pseudorandomKey, (byte) 0);
        }
    }

    private static Mac mac(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(new SecretKeySpec(key, HMAC));
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException unavailable) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "this JDK has no usable " + HMAC,
                    unavailable);
        }
    }
}
