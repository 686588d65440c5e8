package dev.asterism.spi.guest;

import java.util.List;

/**
 * The permanent part of a guest's inbound firewall: everything is dropped except loopback, replies to the guest's
 * own connections, and the {@code rules}; port leases come on top.
 *
 * <p>A controller's baseline typically allows the VPN port from the underlay and the domain's services from the
 * overlay subnet; a worker's allows remote desktop from the overlay.
 */
public record FirewallBaseline(List<FirewallRule> rules) {

    public FirewallBaseline {
        rules = List.copyOf(rules);
    }

    /** A baseline that drops everything that is not a reply. */
    public static FirewallBaseline dropAll() {
        return new FirewallBaseline(List.of());
    }
}
