package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A protocol and a range of ports a firewall opens, for example TCP 49152-65535. ICMP has no ports: an ICMP range
 * means echo requests and is written with ports 0-0.
 */
public record PortRange(Protocol protocol, int first, int last) {

    /** A transport protocol a firewall rule names. */
    public enum Protocol {
        TCP,
        UDP,
        ICMP
    }

    public PortRange {
        requireNonNull(protocol, "protocol is null");
        switch (protocol) {
            case ICMP -> {
                if (first != 0 || last != 0) {
                    throw new IllegalArgumentException("ICMP has no ports; use PortRange.icmpEcho()");
                }
            }
            case TCP, UDP -> {
                requirePort(first);
                requirePort(last);
                if (first > last) {
                    throw new IllegalArgumentException("port range " + first + "-" + last + " is reversed");
                }
            }
        }
    }

    /** One TCP port. */
    public static PortRange tcp(int port) {
        return new PortRange(Protocol.TCP, port, port);
    }

    /** A range of TCP ports, both ends included. */
    public static PortRange tcp(int first, int last) {
        return new PortRange(Protocol.TCP, first, last);
    }

    /** One UDP port. */
    public static PortRange udp(int port) {
        return new PortRange(Protocol.UDP, port, port);
    }

    /** ICMP echo requests (ping). */
    public static PortRange icmpEcho() {
        return new PortRange(Protocol.ICMP, 0, 0);
    }

    /** Whether this range lets through {@code protocol} on {@code port} (any port for ICMP). */
    public boolean covers(Protocol protocol, int port) {
        requireNonNull(protocol, "protocol is null");
        if (this.protocol != protocol) {
            return false;
        }
        return protocol == Protocol.ICMP || (port >= first && port <= last);
    }

    /** Whether any of {@code ranges} lets through {@code protocol} on {@code port}. */
    public static boolean anyCovers(List<PortRange> ranges, Protocol protocol, int port) {
        return ranges.stream().anyMatch(range -> range.covers(protocol, port));
    }

    static void requirePort(int port) {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be 1 to 65535: " + port);
        }
    }

    @Override
    public String toString() {
        if (protocol == Protocol.ICMP) {
            return "ICMP echo";
        }
        return first == last ? protocol + " " + first : protocol + " " + first + "-" + last;
    }
}
