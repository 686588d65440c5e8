package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * An IPv4 network in CIDR form ({@code 10.7.0.0/24}): a VPN overlay, an underlay, or the sources a firewall rule
 * allows.
 *
 * @param network the first address; its host bits are zero
 * @param prefixLength 0 to 32
 */
public record Ipv4Subnet(Ipv4Address network, int prefixLength) {

    public Ipv4Subnet {
        requireNonNull(network, "network is null");
        if (prefixLength < 0 || prefixLength > 32) {
            throw new IllegalArgumentException("prefix length must be 0 to 32: " + prefixLength);
        }
        if ((network.toBits() & ~mask(prefixLength) & 0xFFFF_FFFFL) != 0) {
            throw new IllegalArgumentException(
                    "host bits are set in " + network + "/" + prefixLength + "; the network is "
                            + Ipv4Address.fromBits(network.toBits() & mask(prefixLength)) + "/" + prefixLength);
        }
    }

    /** Parses {@code 10.7.0.0/24}; a bare address means a /32. */
    public static Ipv4Subnet of(String cidr) {
        requireNonNull(cidr, "cidr is null");
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            return new Ipv4Subnet(Ipv4Address.of(cidr), 32);
        }
        String prefix = cidr.substring(slash + 1);
        if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("not a CIDR subnet: '" + cidr + "'");
        }
        return new Ipv4Subnet(Ipv4Address.of(cidr.substring(0, slash)), Integer.parseInt(prefix));
    }

    /** The subnet holding only {@code address}. */
    public static Ipv4Subnet single(Ipv4Address address) {
        return new Ipv4Subnet(address, 32);
    }

    /** Whether {@code address} lies in this subnet. */
    public boolean contains(Ipv4Address address) {
        requireNonNull(address, "address is null");
        return (address.toBits() & mask(prefixLength)) == network.toBits();
    }

    private static long mask(int prefixLength) {
        return prefixLength == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefixLength)) & 0xFFFF_FFFFL;
    }

    @Override
    public String toString() {
        return network + "/" + prefixLength;
    }
}
