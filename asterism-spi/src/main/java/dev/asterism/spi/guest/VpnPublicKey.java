package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.util.Base64;

/**
 * A WireGuard public key in its base64 form (32 bytes, 44 characters). Public: it may be logged and stored. The
 * matching private key is made on the guest and never leaves it.
 */
public record VpnPublicKey(String value) {

    public VpnPublicKey {
        requireNonNull(value, "value is null");
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a base64 WireGuard public key: '" + value + "'", e);
        }
        if (bytes.length != 32 || value.length() != 44) {
            throw new IllegalArgumentException("a WireGuard public key is 32 bytes in base64: '" + value + "'");
        }
    }

    public static VpnPublicKey of(String value) {
        return new VpnPublicKey(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
