package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * An IPv4 address in dotted-quad form ({@code 10.7.0.2}), on the underlay network or the VPN overlay.
 *
 * @param value the canonical dotted quad, without leading zeros
 */
public record Ipv4Address(String value) {

    public Ipv4Address {
        requireNonNull(value, "value is null");
        value = format(parse(value));
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with a readable message when it is not one. */
    public static Ipv4Address of(String text) {
        return new Ipv4Address(text);
    }

    /** The address as an unsigned 32-bit number. */
    public long toBits() {
        return parse(value);
    }

    /** The address of {@code bits}, an unsigned 32-bit number. */
    public static Ipv4Address fromBits(long bits) {
        if (bits < 0 || bits > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("not a 32-bit address: " + bits);
        }
        return new Ipv4Address(format(bits));
    }

    private static long parse(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
        }
        long bits = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
            }
            bits = (bits << 8) | octet;
        }
        return bits;
    }

    private static String format(long bits) {
        return ((bits >> 24) & 0xFF) + "." + ((bits >> 16) & 0xFF) + "." + ((bits >> 8) & 0xFF) + "." + (bits & 0xFF);
    }

    @Override
    public String toString() {
        return value;
    }
}
