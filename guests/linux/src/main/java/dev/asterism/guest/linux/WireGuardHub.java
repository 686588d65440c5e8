package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.VpnHub;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.guest.VpnPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The VPN hub on WireGuard: the interface {@value #INTERFACE}, routing between spokes ({@code ip_forward} on, ICMP
 * redirects off, so spokes never learn to bypass it). Its settings and peers are written to
 * {@code /var/lib/asterism/guest/vpn-hub} after each change and brought back by {@link #restore} after a boot.
 */
final class WireGuardHub implements VpnHub {
    static final String INTERFACE = "asthub0";
    private static final String STATE = LinuxGuestPlatform.STATE_DIRECTORY + "/vpn-hub";
    private static final int KEEPALIVE_SECONDS = 15;

    private final HostCommands commands;
    private final WireGuardInterface wireGuard;

    WireGuardHub(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
        this.wireGuard = new WireGuardInterface(commands, INTERFACE, LinuxGuestPlatform.STATE_DIRECTORY + "/vpn-hub.key");
    }

    @Override
    public synchronized VpnPublicKey ensureInterface(Ipv4Address overlayAddress, Ipv4Subnet overlaySubnet, int listenPort) {
        requireNonNull(overlayAddress, "overlayAddress is null");
        requireNonNull(overlaySubnet, "overlaySubnet is null");
        if (!overlaySubnet.contains(overlayAddress)) {
            throw new GuestException(Code.INVALID, "the hub address " + overlayAddress + " is outside " + overlaySubnet);
        }
        wireGuard.ensureUp();
        HostCommands.Result port = commands.run(List.of("wg", "set", INTERFACE, "listen-port",
                Integer.toString(listenPort)), null);
        if (!port.succeeded()) {
            throw new GuestException(port.printed().contains("in use") ? Code.CONFLICT : Code.UNAVAILABLE,
                    "cannot listen on UDP port " + listenPort + " for the VPN hub: " + port.printed());
        }
        wireGuard.setAddress(overlayAddress, overlaySubnet.prefixLength());
        wireGuard.sysctl(Map.of("net.ipv4.ip_forward", "1", "net.ipv4.conf.all.send_redirects", "0",
                "net.ipv4.conf." + INTERFACE + ".send_redirects", "0"));
        save(overlayAddress, overlaySubnet, listenPort);
        return wireGuard.ensureKey();
    }

    @Override
    public Optional<VpnPublicKey> publicKey() {
        return wireGuard.publicKey();
    }

    @Override
    public synchronized void addPeer(VpnPublicKey publicKey, Ipv4Address overlayAddress, Optional<Endpoint> endpoint) {
        requireNonNull(publicKey, "publicKey is null");
        requireNonNull(overlayAddress, "overlayAddress is null");
        requireNonNull(endpoint, "endpoint is null");
        Optional<Settings> settings = settings();
        if (settings.isEmpty() || !wireGuard.exists()) {
            throw new GuestException(Code.NOT_FOUND, "the VPN hub has no interface yet; ensure it first");
        }
        if (!settings.get().subnet().contains(overlayAddress) || overlayAddress.equals(settings.get().address())) {
            throw new GuestException(Code.INVALID, "the peer address " + overlayAddress + " must be in "
                    + settings.get().subnet() + " and not the hub's own " + settings.get().address());
        }
        for (VpnPeer peer : wireGuard.peers()) {
            if (peer.overlayAddress().equals(overlayAddress) && !peer.publicKey().equals(publicKey)) {
                throw new GuestException(Code.CONFLICT, "another peer holds the overlay address " + overlayAddress);
            }
        }
        List<String> arguments = new ArrayList<>(List.of("set", INTERFACE, "peer", publicKey.value(),
                "allowed-ips", overlayAddress.value() + "/32"));
        endpoint.ifPresent(e -> arguments.addAll(List.of("endpoint", e.toString(),
                "persistent-keepalive", Integer.toString(KEEPALIVE_SECONDS))));
        wireGuard.wg(arguments.toArray(String[]::new));
        savePeers();
    }

    @Override
    public synchronized void removePeer(VpnPublicKey publicKey) {
        requireNonNull(publicKey, "publicKey is null");
        if (wireGuard.exists()) {
            wireGuard.wg("set", INTERFACE, "peer", publicKey.value(), "remove");
            savePeers();
        }
    }

    @Override
    public List<VpnPeer> peers() {
        return wireGuard.peers();
    }

    /** Brings the interface and its peers back after a boot, when the hub was set up before. */
    synchronized void restore() {
        Optional<Settings> settings = settings();
        if (settings.isEmpty() || wireGuard.exists()) {
            return;
        }
        ensureInterface(settings.get().address(), settings.get().subnet(), settings.get().port());
        for (String line : commands.readText(STATE + ".peers").orElse("").lines().toList()) {
            String[] fields = line.split(" ");
            if (fields.length >= 2) {
                Optional<Endpoint> endpoint = fields.length > 2 && !fields[2].equals("-")
                        ? Optional.of(new Endpoint(Ipv4Address.of(fields[2].substring(0, fields[2].lastIndexOf(':'))),
                                Integer.parseInt(fields[2].substring(fields[2].lastIndexOf(':') + 1))))
                        : Optional.empty();
                addPeer(VpnPublicKey.of(fields[0]), Ipv4Address.of(fields[1]), endpoint);
            }
        }
    }

    private record Settings(Ipv4Address address, Ipv4Subnet subnet, int port) {
    }

    private Optional<Settings> settings() {
        return commands.readText(STATE).map(text -> {
            String[] fields = text.strip().split(" ");
            return new Settings(Ipv4Address.of(fields[0]), Ipv4Subnet.of(fields[1]), Integer.parseInt(fields[2]));
        });
    }

    private void save(Ipv4Address address, Ipv4Subnet subnet, int port) {
        commands.writeText(STATE, address.value() + " " + subnet + " " + port + "\n");
    }

    private void savePeers() {
        StringBuilder peers = new StringBuilder();
        for (VpnPeer peer : wireGuard.peers()) {
            peers.append(peer.publicKey().value()).append(' ').append(peer.overlayAddress().value()).append(' ')
                    .append(peer.endpoint().map(Endpoint::toString).orElse("-")).append('\n');
        }
        commands.writeText(STATE + ".peers", peers.toString());
    }
}
