package dev.asterism.guest.sim;

import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a simulated guest keeps only in memory (the kernel's ruleset, the live WireGuard interface, connection
 * tracking): a {@link SimGuestPlatform#reboot()} replaces it with a fresh one. Mutable, guarded by the network's
 * lock.
 */
final class SimMemory {

    record Connection(Ipv4Address source, PortRange.Protocol protocol, int port) {
    }

    final String bootId;
    final Map<String, PortLease> leases = new LinkedHashMap<>();
    /**
     * The sources of leases that expired but were not closed: expiry stops new connections only, so a later close
     * still knows whose established connections to flush.
     */
    final Map<String, Ipv4Address> expiredLeaseSources = new LinkedHashMap<>();
    final List<Connection> connections = new ArrayList<>();
    VpnSpokeConfig spokeConfig;
    /** The users with a desktop session on this guest, in lower case; a reboot ends them all. */
    final java.util.Set<String> desktopSessions = new java.util.TreeSet<>();
    /** When this spoke's current configuration first completed a handshake, as first observed. */
    Instant spokeHandshake;

    /** The memory of a fresh boot. */
    SimMemory() {
        this(UUID.randomUUID().toString());
    }

    /** The memory of the boot {@code bootId}, read back from a guest file. */
    SimMemory(String bootId) {
        this.bootId = bootId;
    }
}
