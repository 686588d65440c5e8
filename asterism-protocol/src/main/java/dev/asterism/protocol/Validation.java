package dev.asterism.protocol;

import java.util.Base64;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Checks shared by the compact constructors of the protocol's records. Every failure is an
 * {@link IllegalArgumentException} or a {@link NullPointerException} whose message names the field and never
 * contains its value, because values may be secrets.
 */
final class Validation {

    /** What {@code toString} prints in place of a secret. */
    static final String REDACTED = "<redacted>";

    /** Words that mark a map key (a command argument or result) as holding a secret. */
    private static final String[] SECRET_KEY_WORDS = {"password", "secret", "token", "privatekey", "credential"};

    private Validation() {
    }

    /** The value, when it is not null and not blank. */
    static String requireText(String value, String field) {
        if (value == null) {
            throw new NullPointerException(field + " is null");
        }
        if (value.isBlank()) {
            throw new IllegalArgumentException(field + " is blank");
        }
        return value;
    }

    /** The value, when it is not null (it may be empty). */
    static String requirePresent(String value, String field) {
        if (value == null) {
            throw new NullPointerException(field + " is null");
        }
        return value;
    }

    /** The value, when it is standard base64 (RFC 4648, with padding) of exactly {@code length} bytes. */
    static String requireBase64(String value, String field, int length) {
        byte[] decoded = decodeBase64(value, field);
        if (decoded.length != length) {
            throw new IllegalArgumentException(field + " must be base64 of " + length + " bytes");
        }
        return value;
    }

    /** The value, when it is standard base64 (RFC 4648, with padding) of at least {@code minimumLength} bytes. */
    static String requireBase64AtLeast(String value, String field, int minimumLength) {
        byte[] decoded = decodeBase64(value, field);
        if (decoded.length < minimumLength) {
            throw new IllegalArgumentException(field + " must be base64 of at least " + minimumLength + " bytes");
        }
        return value;
    }

    static byte[] decodeBase64(String value, String field) {
        requirePresent(value, field);
        try {
            return Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException notBase64) {
            throw new IllegalArgumentException(field + " is not standard base64");
        }
    }

    /** An immutable copy sorted by key, so that JSON and {@code toString} are stable; no null key or value. */
    static SortedMap<String, String> copyOfStringMap(Map<String, String> map, String field) {
        if (map == null) {
            throw new NullPointerException(field + " is null");
        }
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> entry : map.entrySet()) {
            if (entry.getKey() == null) {
                throw new NullPointerException(field + " has a null key");
            }
            if (entry.getValue() == null) {
                throw new NullPointerException(field + " has a null value for key " + entry.getKey());
            }
            copy.put(entry.getKey(), entry.getValue());
        }
        return Collections.unmodifiableSortedMap(copy);
    }

    /** Whether a map key names a secret, by the words password, secret, token, privateKey or credential. */
    static boolean isSecretKey(String key) {
        String folded = key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        for (String word : SECRET_KEY_WORDS) {
            if (folded.contains(word)) {
                return true;
            }
        }
        return false;
    }

    /** The map for {@code toString}: values of {@linkplain #isSecretKey secret keys} redacted. */
    static String redactedMap(Map<String, String> map) {
        StringJoiner joiner = new StringJoiner(", ", "{", "}");
        map.forEach((key, value) -> joiner.add(key + "=" + (isSecretKey(key) ? REDACTED : value)));
        return joiner.toString();
    }
}
