package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.XECKey;
import java.security.interfaces.XECPrivateKey;
import java.security.interfaces.XECPublicKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.NamedParameterSpec;
import java.security.spec.XECPrivateKeySpec;
import java.security.spec.XECPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals a plaintext to an X25519 public key so that only the holder of the private key can read it, and opens
 * such a {@link SealedBox}. This is how the controller hands a stub its join bundle (scripts and the one-time
 * password) through a server that only relays ciphertext.
 *
 * <p>The scheme (an ECIES in the manner of HPKE's base mode), from the JDK alone:
 * <ol>
 *   <li>a fresh ephemeral X25519 key pair per box; ECDH of its private key with the recipient's public key;</li>
 *   <li>HKDF-SHA256 (RFC 5869): salt = raw ephemeral public key (32 bytes) || raw recipient public key
 *       (32 bytes), input = the shared secret, info = {@value #KEY_DERIVATION_INFO} in UTF-8, 32 bytes out;</li>
 *   <li>AES-256-GCM with a random 96-bit nonce and a 128-bit tag; the box's associated data, in UTF-8, is the
 *       GCM additional authenticated data.</li>
 * </ol>
 * Binding both public keys into the salt ties the key to this sender and recipient; binding the associated data
 * (for example {@code asterism-join-bundle:v1:<vmId>}) keeps a box sealed for one VM or purpose from being
 * accepted as another.
 *
 * <p>Keys travel and rest as standard base64 of their raw 32 bytes (RFC 7748: the u-coordinate, little-endian,
 * for a public key; the scalar as generated, for a private key), see {@link #encodePublicKey} and
 * {@link #encodePrivateKey}. Public keys are decoded strictly: the unused top bit must be clear and the
 * u-coordinate below 2^255 - 19, so each key has exactly one encoding.
 *
 * <p>Every failure is a {@link SealingException} whose message never contains plaintext or key material. An
 * instance is safe for use by many threads.
 */
public final class Sealing {

    /** Length of a raw X25519 key, public or private. */
    public static final int KEY_LENGTH = 32;
    /** Length of an AES-GCM nonce. */
    public static final int NONCE_LENGTH = 12;
    /** Length of an AES-GCM tag. */
    public static final int TAG_LENGTH = 16;
    /** The HKDF info: names the scheme and its version, so that a future scheme never derives the same key. */
    public static final String KEY_DERIVATION_INFO = "asterism-sealed-box:v1:X25519:HKDF-SHA256:AES-256-GCM";

    private static final String X25519 = "X25519";
    private static final BigInteger FIELD_PRIME = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    private static final BigInteger BASE_POINT = BigInteger.valueOf(9);
    private static final int AES_KEY_LENGTH = 32;

    private final SecureRandom random;

    /** Sealing with the JDK's default strong random source. */
    public Sealing() {
        this(new SecureRandom());
    }

    /** Sealing with the given random source, for ephemeral keys and nonces. */
    public Sealing(SecureRandom random) {
        this.random = requireNonNull(random, "random is null");
    }

    /**
     * A new X25519 key pair, as a stub makes at first start. Persist the private key with
     * {@link #encodePrivateKey} and restore the pair with {@link #keyPairOf}.
     *
     * @throws SealingException with {@link SealingException.Code#UNAVAILABLE} when the JDK has no X25519
     */
    public KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(X25519);
            generator.initialize(NamedParameterSpec.X25519, random);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException unavailable) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "this JDK cannot make X25519 keys",
                    unavailable);
        }
    }

    /**
     * Seals a plaintext to a recipient's public key. Two seals of the same plaintext differ (fresh ephemeral key
     * and nonce). The caller's plaintext array is not changed.
     *
     * @param associatedData what the box is for; the recipient must expect exactly this text to open it
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the recipient key is not a
     *     valid X25519 key
     */
    public SealedBox seal(byte[] plaintext, PublicKey recipient, String associatedData) {
        requireNonNull(plaintext, "plaintext is null");
        requireNonNull(recipient, "recipient is null");
        requireNonNull(associatedData, "associatedData is null");
        byte[] recipientRaw = rawPublicKey(recipient);
        KeyPair ephemeral = generateKeyPair();
        byte[] ephemeralRaw = rawPublicKey(ephemeral.getPublic());
        byte[] key = deriveKey(ephemeral.getPrivate(), recipient, ephemeralRaw, recipientRaw);
        byte[] nonce = new byte[NONCE_LENGTH];
        random.nextBytes(nonce);
        try {
            Cipher cipher = cipher(Cipher.ENCRYPT_MODE, key, nonce, associatedData);
            byte[] ciphertext = cipher.doFinal(plaintext);
            Base64.Encoder base64 = Base64.getEncoder();
            return new SealedBox(base64.encodeToString(ephemeralRaw), base64.encodeToString(nonce),
                    base64.encodeToString(ciphertext), associatedData);
        } catch (GeneralSecurityException failure) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "AES-256-GCM encryption failed", failure);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * Opens a box sealed to the public key of {@code recipientPrivate}.
     *
     * @param expectedAssociatedData what the caller expects the box to be for; a box sealed for anything else
     *     does not open
     * @return the plaintext
     * @throws SealingException with {@link SealingException.Code#WRONG_ASSOCIATED_DATA} when the box says it is
     *     for something else; {@link SealingException.Code#AUTHENTICATION_FAILED} when any byte was changed or the
     *     box was sealed to another key; {@link SealingException.Code#INVALID_KEY} when a key is malformed or of
     *     low order
     */
    public byte[] open(SealedBox box, PrivateKey recipientPrivate, String expectedAssociatedData) {
        requireNonNull(box, "box is null");
        requireNonNull(recipientPrivate, "recipientPrivate is null");
        requireNonNull(expectedAssociatedData, "expectedAssociatedData is null");
        if (!box.associatedData().equals(expectedAssociatedData)) {
            throw new SealingException(SealingException.Code.WRONG_ASSOCIATED_DATA,
                    "the sealed box is for '" + box.associatedData() + "', but '" + expectedAssociatedData
                            + "' was expected");
        }
        Base64.Decoder base64 = Base64.getDecoder();
        byte[] ephemeralRaw = base64.decode(box.ephemeralPublicKey());
        PublicKey ephemeral = publicKeyFromRaw(ephemeralRaw, "the sealed box's ephemeral public key");
        byte[] recipientRaw = rawPublicKey(publicKeyOf(recipientPrivate));
        byte[] key = deriveKey(recipientPrivate, ephemeral, ephemeralRaw, recipientRaw);
        try {
            Cipher cipher = cipher(Cipher.DECRYPT_MODE, key, base64.decode(box.nonce()), expectedAssociatedData);
            return cipher.doFinal(base64.decode(box.ciphertext()));
        } catch (AEADBadTagException tampered) {
            throw new SealingException(SealingException.Code.AUTHENTICATION_FAILED,
                    "the sealed box does not open: it was changed after sealing, or sealed to another key");
        } catch (GeneralSecurityException failure) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "AES-256-GCM decryption failed", failure);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }

    /**
     * The public key that belongs to a private key (X25519 of the scalar and the base point 9), so that an agent
     * needs to persist only its private key.
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the key is not X25519
     */
    public static PublicKey publicKeyOf(PrivateKey privateKey) {
        requireX25519(privateKey, "private key");
        PublicKey basePoint = publicKeyFromU(BASE_POINT);
        byte[] raw = agree(privateKey, basePoint);
        return publicKeyFromRaw(raw, "derived public key");
    }

    /**
     * The key pair of a restored private key.
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the key is not X25519
     */
    public static KeyPair keyPairOf(PrivateKey privateKey) {
        return new KeyPair(publicKeyOf(privateKey), privateKey);
    }

    /**
     * Base64 of the raw 32-byte public key: the u-coordinate, little-endian (RFC 7748, section 5).
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the key is not X25519
     */
    public static String encodePublicKey(PublicKey publicKey) {
        return Base64.getEncoder().encodeToString(rawPublicKey(publicKey));
    }

    /**
     * The public key from {@link #encodePublicKey}'s text.
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the text is not standard base64
     *     of 32 bytes, or not a canonical u-coordinate (top bit set, or not below 2^255 - 19)
     */
    public static PublicKey decodePublicKey(String base64) {
        return publicKeyFromRaw(decode(base64, "public key"), "public key");
    }

    /**
     * Base64 of the raw 32-byte private scalar (RFC 7748, section 5, before clamping), for an agent to persist in
     * its state directory with owner-only permissions. The text is a secret.
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the key is not X25519 or its
     *     scalar cannot be exported (a key held in hardware)
     */
    public static String encodePrivateKey(PrivateKey privateKey) {
        requireX25519(privateKey, "private key");
        if (!(privateKey instanceof XECPrivateKey xec)) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the private key is not an X25519 key");
        }
        byte[] scalar = xec.getScalar().orElseThrow(() -> new SealingException(SealingException.Code.INVALID_KEY,
                "the X25519 private key cannot be exported"));
        try {
            return Base64.getEncoder().encodeToString(scalar);
        } finally {
            Arrays.fill(scalar, (byte) 0);
        }
    }

    /**
     * The private key from {@link #encodePrivateKey}'s text.
     *
     * @throws SealingException with {@link SealingException.Code#INVALID_KEY} when the text is not standard base64
     *     of 32 bytes
     */
    public static PrivateKey decodePrivateKey(String base64) {
        byte[] scalar = decode(base64, "private key");
        try {
            return KeyFactory.getInstance(X25519)
                    .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, scalar));
        } catch (InvalidKeySpecException invalid) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the private key is not a valid X25519 key");
        } catch (GeneralSecurityException unavailable) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "this JDK has no X25519 key factory",
                    unavailable);
        } finally {
            Arrays.fill(scalar, (byte) 0);
        }
    }

    /** Raw X25519: the shared secret of a private and a public key; package-private for the RFC 7748 test. */
    static byte[] agree(PrivateKey privateKey, PublicKey publicKey) {
        byte[] shared;
        try {
            KeyAgreement agreement = KeyAgreement.getInstance(X25519);
            agreement.init(privateKey);
            agreement.doPhase(publicKey, true);
            shared = agreement.generateSecret();
        } catch (InvalidKeyException | IllegalStateException lowOrderOrWrongKind) {
            // The JDK refuses low-order points (an all-zero shared secret) with IllegalStateException.
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "X25519 key agreement failed: a key is not a usable X25519 key");
        } catch (GeneralSecurityException unavailable) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "this JDK has no X25519 key agreement",
                    unavailable);
        }
        if (isAllZero(shared)) {
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "X25519 key agreement gave no shared secret: the public key is a low-order point");
        }
        return shared;
    }

    static byte[] rawPublicKey(PublicKey publicKey) {
        requireX25519(publicKey, "public key");
        if (!(publicKey instanceof XECPublicKey xec)) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the public key is not an X25519 key");
        }
        return littleEndian(xec.getU());
    }

    private static byte[] deriveKey(PrivateKey privateKey, PublicKey publicKey, byte[] ephemeralRaw,
            byte[] recipientRaw) {
        byte[] shared = agree(privateKey, publicKey);
        byte[] salt = new byte[2 * KEY_LENGTH];
        System.arraycopy(ephemeralRaw, 0, salt, 0, KEY_LENGTH);
        System.arraycopy(recipientRaw, 0, salt, KEY_LENGTH, KEY_LENGTH);
        try {
            return Hkdf.derive(salt, shared, KEY_DERIVATION_INFO.getBytes(StandardCharsets.UTF_8), AES_KEY_LENGTH);
        } finally {
            Arrays.fill(shared, (byte) 0);
        }
    }

    private static Cipher cipher(int mode, byte[] key, byte[] nonce, String associatedData)
            throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_LENGTH * 8, nonce));
        cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
        return cipher;
    }

    private static PublicKey publicKeyFromRaw(byte[] raw, String what) {
        if (raw.length != KEY_LENGTH) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the " + what + " is not 32 bytes");
        }
        if ((raw[KEY_LENGTH - 1] & 0x80) != 0) {
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "the " + what + " is not a canonical X25519 key: its top bit is set");
        }
        byte[] bigEndian = new byte[KEY_LENGTH];
        for (int index = 0; index < KEY_LENGTH; index++) {
            bigEndian[index] = raw[KEY_LENGTH - 1 - index];
        }
        BigInteger u = new BigInteger(1, bigEndian);
        if (u.compareTo(FIELD_PRIME) >= 0) {
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "the " + what + " is not a canonical X25519 key: its u-coordinate is not below 2^255 - 19");
        }
        return publicKeyFromU(u);
    }

    private static PublicKey publicKeyFromU(BigInteger u) {
        try {
            return KeyFactory.getInstance(X25519).generatePublic(new XECPublicKeySpec(NamedParameterSpec.X25519, u));
        } catch (InvalidKeySpecException invalid) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the public key is not a valid X25519 key");
        } catch (GeneralSecurityException unavailable) {
            throw new SealingException(SealingException.Code.UNAVAILABLE, "this JDK has no X25519 key factory",
                    unavailable);
        }
    }

    private static byte[] littleEndian(BigInteger u) {
        byte[] bigEndian = u.toByteArray();
        byte[] raw = new byte[KEY_LENGTH];
        // toByteArray may carry a leading sign byte and drops leading zeros; copy the low 32 bytes reversed.
        for (int index = 0; index < KEY_LENGTH && index < bigEndian.length; index++) {
            raw[index] = bigEndian[bigEndian.length - 1 - index];
        }
        return raw;
    }

    private static byte[] decode(String base64, String what) {
        requireNonNull(base64, what + " is null");
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException notBase64) {
            throw new SealingException(SealingException.Code.INVALID_KEY, "the " + what + " is not standard base64");
        }
        if (raw.length != KEY_LENGTH) {
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "the " + what + " is not base64 of 32 bytes");
        }
        return raw;
    }

    private static void requireX25519(Key key, String what) {
        requireNonNull(key, what + " is null");
        if (!(key instanceof XECKey xec)
                || !(xec.getParams() instanceof NamedParameterSpec named)
                || !named.getName().equalsIgnoreCase(X25519)) {
            throw new SealingException(SealingException.Code.INVALID_KEY,
                    "the " + what + " is not an X25519 key (" + key.getAlgorithm() + ")");
        }
    }

    private static boolean isAllZero(byte[] bytes) {
        int accumulated = 0;
        for (byte value : bytes) {
            accumulated |= value;
        }
        return accumulated == 0;
    }
}
