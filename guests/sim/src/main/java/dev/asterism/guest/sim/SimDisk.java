package dev.asterism.guest.sim;

import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a simulated guest keeps on disk: everything here survives {@link SimGuestPlatform#reboot()}. Mutable,
 * guarded by the network's lock.
 */
final class SimDisk {

    /** A computer account: its one-time password, whether that was used, whether a member completed the join. */
    static final class Computer {
        final Secret oneTimePassword;
        boolean passwordUsed;

        Computer(Secret oneTimePassword) {
            this.oneTimePassword = oneTimePassword;
        }
    }

    record HubInterface(VpnPublicKey publicKey, Ipv4Address overlayAddress, Ipv4Subnet overlaySubnet, int listenPort) {
    }

    record Peer(Ipv4Address overlayAddress, Optional<Endpoint> endpoint) {
    }

    DomainName domain;
    Secret administratorPassword;
    final Map<ComputerName, Computer> computers = new LinkedHashMap<>();
    final Map<String, Secret> users = new LinkedHashMap<>();
    /** Group name to its members' names, all in lower case. */
    final Map<String, java.util.TreeSet<String>> groups = new LinkedHashMap<>();

    DomainMembership membership;

    FirewallBaseline baseline;

    /** The remote desktop's port once enabled, else null. */
    Integer remoteDesktopPort;

    /** The clipboard rule of new desktop sessions. */
    ClipboardRule clipboardRule = ClipboardRule.OFF;

    HubInterface hub;
    final Map<VpnPublicKey, Peer> peers = new LinkedHashMap<>();

    VpnPublicKey spokeKey;
    VpnSpokeConfig persistedSpokeConfig;

    final Map<String, String> shares = new LinkedHashMap<>();
    /** Keyed by share path, a slash, and the file's relative path. */
    final Map<String, byte[]> files = new HashMap<>();
}
