package dev.asterism.core.audit;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key that seals the audit chain: an HMAC-SHA256 key kept outside the database (in the server's data directory),
 * so that whoever can write the database but not the data directory cannot rewrite history and seal it again. Every
 * event's hash is sealed, and so is the head (the newest event's number and hash), each under its own label so that
 * one seal never passes for the other.
 */
public final class AuditKey {
    /** The length of a key, in bytes. */
    public static final int LENGTH = 32;

    private final SecretKeySpec key;

    private AuditKey(byte[] key) {
        this.key = new SecretKeySpec(key, "HmacSHA256");
    }

    public static AuditKey of(byte[] key) {
        requireNonNull(key, "key is null");
        if (key.length != LENGTH) {
            throw new IllegalArgumentException("an audit key is " + LENGTH + " bytes, not " + key.length);
        }
        return new AuditKey(key.clone());
    }

    /** The seal of the event whose hash is {@code hash}. */
    public String sealEvent(String hash) {
        return mac("event\n" + hash);
    }

    /** The seal of a head (or a checkpoint) recording event {@code seq} with hash {@code hash}. */
    public String sealHead(long seq, String hash) {
        return mac("head\n" + seq + "\n" + hash);
    }

    /** Whether {@code seal} is the seal of the event whose hash is {@code hash}; a missing seal is not. */
    public boolean sealsEvent(String hash, String seal) {
        return seal != null && same(sealEvent(hash), seal);
    }

    public boolean sealsHead(long seq, String hash, String seal) {
        return seal != null && same(sealHead(seq, hash), seal);
    }

    private static boolean same(String expected, String actual) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII),
                actual.getBytes(StandardCharsets.US_ASCII));
    }

    private String mac(String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    @Override
    public String toString() {
        return "AuditKey[hidden]";
    }
}
