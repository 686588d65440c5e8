package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpoke;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.time.Instant;
import java.util.Optional;

/**
 * A member's VPN spoke on WireGuard: the interface {@value #INTERFACE} with one peer, the hub, whose allowed IPs are
 * the whole overlay subnet; a keepalive starts the handshake at once and keeps the hub's view of the endpoint fresh.
 * The live configuration is read back from the interface; {@link #persist} writes it to
 * {@code /var/lib/asterism/guest/vpn-spoke}, and {@link #restore} brings it back after a boot.
 */
final class WireGuardSpoke implements VpnSpoke {
    static final String INTERFACE = "astvpn0";
    private static final String STATE = LinuxGuestPlatform.STATE_DIRECTORY + "/vpn-spoke";
    private static final int KEEPALIVE_SECONDS = 15;

    private final HostCommands commands;
    private final WireGuardInterface wireGuard;

    WireGuardSpoke(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
        this.wireGuard = new WireGuardInterface(commands, INTERFACE,
                LinuxGuestPlatform.STATE_DIRECTORY + "/vpn-spoke.key");
    }

    @Override
    public synchronized VpnPublicKey ensureInterface() {
        wireGuard.ensureUp();
        return wireGuard.ensureKey();
    }

    @Override
    public synchronized void configure(VpnSpokeConfig config) {
        requireNonNull(config, "config is null");
        if (wireGuard.publicKey().isEmpty() || !wireGuard.exists()) {
            throw new GuestException(Code.NOT_FOUND, "the VPN spoke has no interface yet; ensure it first");
        }
        for (VpnPeer peer : wireGuard.peers()) {
            if (!peer.publicKey().equals(config.hubPublicKey())) {
                wireGuard.wg("set", INTERFACE, "peer", peer.publicKey().value(), "remove");
            }
        }
        wireGuard.wg("set", INTERFACE, "peer", config.hubPublicKey().value(), "endpoint", config.hubEndpoint().toString(),
                "allowed-ips", config.allowedSubnet().toString(), "persistent-keepalive", Integer.toString(KEEPALIVE_SECONDS));
        wireGuard.setAddress(config.overlayAddress(), config.allowedSubnet().prefixLength());
    }

    @Override
    public synchronized void persist() {
        VpnSpokeConfig config = configuration().orElseThrow(() -> new GuestException(Code.NOT_FOUND,
                "the VPN spoke has no live configuration to persist; configure it first"));
        commands.writeText(STATE, config.hubPublicKey().value() + " " + config.hubEndpoint() + " "
                + config.overlayAddress().value() + " " + config.allowedSubnet() + "\n");
    }

    @Override
    public Optional<VpnSpokeConfig> configuration() {
        Optional<VpnPeer> hub = wireGuard.peers().stream().findFirst();
        Optional<String> address = wireGuard.address();
        Optional<String> allowed = wireGuard.allowedIps().stream().findFirst();
        if (hub.isEmpty() || hub.get().endpoint().isEmpty() || address.isEmpty() || allowed.isEmpty()) {
            return Optional.empty();
        }
        String own = address.get();
        return Optional.of(new VpnSpokeConfig(hub.get().publicKey(), hub.get().endpoint().get(),
                Ipv4Address.of(own.substring(0, own.indexOf('/'))), Ipv4Subnet.of(allowed.get())));
    }

    @Override
    public Optional<Instant> latestHandshake() {
        return wireGuard.peers().stream().findFirst().flatMap(VpnPeer::latestHandshake);
    }

    /** Brings a persisted configuration back after a boot. */
    synchronized void restore() {
        Optional<String> saved = commands.readText(STATE);
        if (saved.isEmpty() || wireGuard.exists()) {
            return;
        }
        String[] fields = saved.get().strip().split(" ");
        int colon = fields[1].lastIndexOf(':');
        ensureInterface();
        configure(new VpnSpokeConfig(VpnPublicKey.of(fields[0]), new Endpoint(
                Ipv4Address.of(fields[1].substring(0, colon)), Integer.parseInt(fields[1].substring(colon + 1))),
                Ipv4Address.of(fields[2]), Ipv4Subnet.of(fields[3])));
    }
}
