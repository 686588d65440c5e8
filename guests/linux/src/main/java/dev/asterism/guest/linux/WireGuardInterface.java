package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.VpnPeer;
import dev.asterism.spi.guest.VpnPublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One WireGuard interface of a guest, with {@code wg} and {@code ip}: the kernel's WireGuard when the module loads,
 * {@code wireguard-go} otherwise. Its private key is made on the guest ({@code wg genkey}) into a root-only file and
 * never read by Java: only {@code wg pubkey} output leaves the guest.
 */
final class WireGuardInterface {
    private final HostCommands commands;
    private final String name;
    private final String keyFile;

    WireGuardInterface(HostCommands commands, String name, String keyFile) {
        this.commands = requireNonNull(commands, "commands is null");
        this.name = requireNonNull(name, "name is null");
        this.keyFile = requireNonNull(keyFile, "keyFile is null");
    }

    String name() {
        return name;
    }

    /** The public key of the guest's key pair, made on the first call. */
    VpnPublicKey ensureKey() {
        HostCommands.Result made = commands.run(List.of("sh", "-c", "umask 077 && mkdir -p \"$(dirname \"$1\")\""
                + " && { [ -s \"$1\" ] || { wg genkey > \"$1.new\" && mv -f \"$1.new\" \"$1\"; }; } && wg pubkey < \"$1\"",
                "sh", keyFile), null);
        if (!made.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot make the WireGuard key of " + name + ": "
                    + made.printed() + " (install wireguard-tools)");
        }
        return VpnPublicKey.of(made.output().strip());
    }

    /** The public key, when the key pair exists. */
    Optional<VpnPublicKey> publicKey() {
        HostCommands.Result read = commands.run(List.of("sh", "-c", "[ -s \"$1\" ] || exit 3; wg pubkey < \"$1\"",
                "sh", keyFile), null);
        return read.succeeded() ? Optional.of(VpnPublicKey.of(read.output().strip())) : Optional.empty();
    }

    boolean exists() {
        return commands.run(List.of("ip", "link", "show", "dev", name), null).succeeded();
    }

    /** Makes the interface with the guest's key when it does not exist, and brings it up. */
    void ensureUp() {
        ensureKey();
        if (!exists()) {
            HostCommands.Result kernel = commands.run(List.of("ip", "link", "add", "dev", name, "type", "wireguard"), null);
            if (!kernel.succeeded()) {
                // No kernel module here: the userspace implementation makes the same interface on a tun device.
                HostCommands.Result userspace = commands.run(List.of("sh", "-c",
                        "exec wireguard-go \"$1\" </dev/null >/dev/null 2>&1", "sh", name), null);
                if (!userspace.succeeded() || !exists()) {
                    throw new GuestException(Code.UNAVAILABLE, "cannot create the WireGuard interface " + name
                            + ": the kernel has no WireGuard and wireguard-go failed (" + userspace.printed()
                            + "; install wireguard-go, and check that /dev/net/tun exists)");
                }
            }
        }
        wg("set", name, "private-key", keyFile);
        ip("link", "set", "dev", name, "up");
    }

    /** Gives the interface exactly {@code address}/{@code prefixLength}. */
    void setAddress(Ipv4Address address, int prefixLength) {
        String wanted = address.value() + "/" + prefixLength;
        String current = commands.require(List.of("ip", "-o", "-4", "addr", "show", "dev", name), "read " + name);
        for (String line : current.lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length > 3 && !fields[3].equals(wanted)) {
                ip("addr", "del", fields[3], "dev", name);
            }
        }
        ip("addr", "replace", wanted, "dev", name);
    }

    /** The interface's IPv4 address with its prefix length, or empty. */
    Optional<String> address() {
        HostCommands.Result current = commands.run(List.of("ip", "-o", "-4", "addr", "show", "dev", name), null);
        return current.output().lines().map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length > 3).map(fields -> fields[3]).findFirst();
    }

    /** The peers as {@code wg show dump} reports them. */
    List<VpnPeer> peers() {
        List<String[]> lines = dump();
        List<VpnPeer> peers = new ArrayList<>();
        for (String[] fields : lines.subList(Math.min(1, lines.size()), lines.size())) {
            Optional<Endpoint> endpoint = fields[2].equals("(none)") ? Optional.empty() : Optional.of(endpoint(fields[2]));
            String firstAllowed = fields[3].split(",")[0];
            Ipv4Address overlay = firstAllowed.equals("(none)") ? Ipv4Address.of("0.0.0.0")
                    : Ipv4Address.of(firstAllowed.substring(0, firstAllowed.indexOf('/')));
            long handshake = Long.parseLong(fields[4]);
            peers.add(new VpnPeer(VpnPublicKey.of(fields[0]), overlay, endpoint,
                    handshake == 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(handshake))));
        }
        return peers;
    }

    /** The allowed IPs of the first peer, as written. */
    List<String> allowedIps() {
        List<String[]> lines = dump();
        return lines.size() < 2 || lines.get(1)[3].equals("(none)") ? List.of() : List.of(lines.get(1)[3].split(","));
    }

    void wg(String... arguments) {
        List<String> command = new ArrayList<>(List.of("wg"));
        command.addAll(List.of(arguments));
        HostCommands.Result result = commands.run(command, null);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "wg " + arguments[0] + " on " + name + " failed: " + result.printed());
        }
    }

    void ip(String... arguments) {
        List<String> command = new ArrayList<>(List.of("ip"));
        command.addAll(List.of(arguments));
        HostCommands.Result result = commands.run(command, null);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, String.join(" ", command) + " failed: " + result.printed());
        }
    }

    /** Sets kernel parameters of the guest (of its network namespace), best effort. */
    void sysctl(Map<String, String> settings) {
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            commands.run(List.of("sysctl", "-q", "-w", setting.getKey() + "=" + setting.getValue()), null);
        }
    }

    private List<String[]> dump() {
        HostCommands.Result result = commands.run(List.of("wg", "show", name, "dump"), null);
        if (!result.succeeded()) {
            return List.of();
        }
        return result.output().lines().filter(line -> !line.isBlank()).map(line -> line.split("\t")).toList();
    }

    private static Endpoint endpoint(String text) {
        int colon = text.lastIndexOf(':');
        return new Endpoint(Ipv4Address.of(text.substring(0, colon)), Integer.parseInt(text.substring(colon + 1)));
    }
}
