package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/** One permanent allowance of a firewall baseline: {@code ports} from any address in {@code sources}. */
public record FirewallRule(Ipv4Subnet sources, PortRange ports) {
    public FirewallRule {
        requireNonNull(sources, "sources is null");
        requireNonNull(ports, "ports is null");
    }
}
