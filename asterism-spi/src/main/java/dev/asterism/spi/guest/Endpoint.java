package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/** An address and a UDP or TCP port, such as a VPN hub's listening socket ({@code 192.168.50.2:51820}). */
public record Endpoint(Ipv4Address address, int port) {

    public Endpoint {
        requireNonNull(address, "address is null");
        PortRange.requirePort(port);
    }

    @Override
    public String toString() {
        return address + ":" + port;
    }
}
