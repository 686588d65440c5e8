package dev.asterism.guest.sim;

import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;

/**
 * A simulated guest written to one file and read back: its disk and its memory, so that a guest outlives the process
 * that simulates it, as a real VM outlives a crashed server. The file is the guest's own disk and RAM, so it holds
 * the guest's secrets (domain administrator password, one-time passwords), with owner-only permissions.
 *
 * <p>Values are joined with {@code |}; none of the joined parts (addresses, keys, names, instants, base64) can
 * contain one.
 */
final class SimGuestFiles {
    private static final String SEPARATOR = "|";

    private SimGuestFiles() {
    }

    /** What a guest file holds besides disk and memory. */
    record Identity(String hostName, Ipv4Address underlayAddress, Set<GuestCapability> capabilities) {
    }

    static void write(Path file, Identity identity, SimDisk disk, SimMemory memory) {
        Properties p = new Properties();
        p.setProperty("host", identity.hostName());
        p.setProperty("address", identity.underlayAddress().value());
        p.setProperty("capabilities", String.join(",", identity.capabilities().stream().map(Enum::name).toList()));
        put(p, "domain", disk.domain == null ? null : disk.domain.value());
        put(p, "administratorPassword", disk.administratorPassword == null ? null : disk.administratorPassword.reveal());
        int i = 0;
        for (Map.Entry<ComputerName, SimDisk.Computer> computer : disk.computers.entrySet()) {
            p.setProperty("computer." + i++, join(computer.getKey().value(),
                    computer.getValue().oneTimePassword.reveal(), Boolean.toString(computer.getValue().passwordUsed)));
        }
        i = 0;
        for (Map.Entry<String, Secret> user : disk.users.entrySet()) {
            p.setProperty("user." + i++, join(user.getKey(), user.getValue().reveal()));
        }
        i = 0;
        for (Map.Entry<String, java.util.TreeSet<String>> group : disk.groups.entrySet()) {
            p.setProperty("group." + i++, group.getKey() + (group.getValue().isEmpty() ? ""
                    : "," + String.join(",", group.getValue())));
        }
        if (disk.membership != null) {
            p.setProperty("membership", join(disk.membership.domain().value(),
                    disk.membership.computerName().value(), disk.membership.controllerAddress().value()));
        }
        if (disk.remoteDesktopPort != null) {
            p.setProperty("remoteDesktopPort", disk.remoteDesktopPort.toString());
        }
        p.setProperty("clipboardRule", disk.clipboardRule.wireName());
        if (disk.baseline != null) {
            p.setProperty("baseline", "present");
            i = 0;
            for (FirewallRule rule : disk.baseline.rules()) {
                p.setProperty("rule." + i++, join(subnet(rule.sources()), ports(List.of(rule.ports()))));
            }
        }
        if (disk.hub != null) {
            p.setProperty("hub", join(disk.hub.publicKey().value(), disk.hub.overlayAddress().value(),
                    subnet(disk.hub.overlaySubnet()), Integer.toString(disk.hub.listenPort())));
        }
        i = 0;
        for (Map.Entry<VpnPublicKey, SimDisk.Peer> peer : disk.peers.entrySet()) {
            p.setProperty("peer." + i++, join(peer.getKey().value(), peer.getValue().overlayAddress().value(),
                    peer.getValue().endpoint().map(SimGuestFiles::endpoint).orElse("")));
        }
        put(p, "spokeKey", disk.spokeKey == null ? null : disk.spokeKey.value());
        put(p, "persistedSpoke", disk.persistedSpokeConfig == null ? null : spoke(disk.persistedSpokeConfig));
        i = 0;
        for (Map.Entry<String, String> share : disk.shares.entrySet()) {
            p.setProperty("share." + i++, join(share.getKey(), share.getValue()));
        }
        i = 0;
        for (Map.Entry<String, byte[]> stored : disk.files.entrySet()) {
            p.setProperty("file." + i++, join(base64(stored.getKey().getBytes(StandardCharsets.UTF_8)),
                    base64(stored.getValue())));
        }

        p.setProperty("bootId", memory.bootId);
        i = 0;
        for (PortLease lease : memory.leases.values()) {
            p.setProperty("lease." + i++, join(lease.leaseId(), lease.source().value(), lease.expiresAt().toString(),
                    ports(lease.ports())));
        }
        i = 0;
        for (Map.Entry<String, Ipv4Address> expired : memory.expiredLeaseSources.entrySet()) {
            p.setProperty("expiredLease." + i++, join(expired.getKey(), expired.getValue().value()));
        }
        put(p, "spoke", memory.spokeConfig == null ? null : spoke(memory.spokeConfig));
        put(p, "spokeHandshake", memory.spokeHandshake == null ? null : memory.spokeHandshake.toString());
        store(p, file);
    }

    /** A guest as read back from its file. */
    record Stored(Identity identity, SimDisk disk, SimMemory memory) {
    }

    static Stored read(Path file) {
        Properties p = load(file);
        SimDisk disk = new SimDisk();
        Identity identity = new Identity(p.getProperty("host"), Ipv4Address.of(p.getProperty("address")),
                capabilities(p.getProperty("capabilities")));
        disk.domain = Optional.ofNullable(p.getProperty("domain")).map(DomainName::of).orElse(null);
        disk.administratorPassword = Optional.ofNullable(p.getProperty("administratorPassword")).map(Secret::of)
                .orElse(null);
        for (String[] computer : indexed(p, "computer")) {
            SimDisk.Computer account = new SimDisk.Computer(Secret.of(computer[1]));
            account.passwordUsed = Boolean.parseBoolean(computer[2]);
            disk.computers.put(ComputerName.of(computer[0]), account);
        }
        for (String[] user : indexed(p, "user")) {
            disk.users.put(user[0], Secret.of(user[1]));
        }
        for (int g = 0; p.getProperty("group." + g) != null; g++) {
            List<String> names = List.of(p.getProperty("group." + g).split(","));
            disk.groups.put(names.getFirst(), new java.util.TreeSet<>(names.subList(1, names.size())));
        }
        String[] membership = split(p.getProperty("membership"));
        if (membership != null) {
            disk.membership = new DomainMembership(DomainName.of(membership[0]), ComputerName.of(membership[1]),
                    Ipv4Address.of(membership[2]));
        }
        if (p.getProperty("remoteDesktopPort") != null) {
            disk.remoteDesktopPort = Integer.valueOf(p.getProperty("remoteDesktopPort"));
        }
        disk.clipboardRule = ClipboardRule.ofWireName(p.getProperty("clipboardRule", "off")).orElse(ClipboardRule.OFF);
        if (p.getProperty("baseline") != null) {
            List<FirewallRule> rules = new ArrayList<>();
            for (String[] rule : indexed(p, "rule")) {
                rules.add(new FirewallRule(Ipv4Subnet.of(rule[0]), ports(rule[1]).getFirst()));
            }
            disk.baseline = new FirewallBaseline(rules);
        }
        String[] hub = split(p.getProperty("hub"));
        if (hub != null) {
            disk.hub = new SimDisk.HubInterface(VpnPublicKey.of(hub[0]), Ipv4Address.of(hub[1]), Ipv4Subnet.of(hub[2]),
                    Integer.parseInt(hub[3]));
        }
        for (String[] peer : indexed(p, "peer")) {
            disk.peers.put(VpnPublicKey.of(peer[0]), new SimDisk.Peer(Ipv4Address.of(peer[1]),
                    peer.length < 3 || peer[2].isEmpty() ? Optional.empty() : Optional.of(endpoint(peer[2]))));
        }
        disk.spokeKey = Optional.ofNullable(p.getProperty("spokeKey")).map(VpnPublicKey::of).orElse(null);
        disk.persistedSpokeConfig = spoke(p.getProperty("persistedSpoke"));
        for (String[] share : indexed(p, "share")) {
            disk.shares.put(share[0], share[1]);
        }
        for (String[] stored : indexed(p, "file")) {
            disk.files.put(new String(Base64.getDecoder().decode(stored[0]), StandardCharsets.UTF_8),
                    Base64.getDecoder().decode(stored[1]));
        }

        SimMemory memory = new SimMemory(p.getProperty("bootId"));
        for (String[] lease : indexed(p, "lease")) {
            memory.leases.put(lease[0], new PortLease(lease[0], Ipv4Address.of(lease[1]), ports(lease[3]),
                    Instant.parse(lease[2])));
        }
        for (String[] expired : indexed(p, "expiredLease")) {
            memory.expiredLeaseSources.put(expired[0], Ipv4Address.of(expired[1]));
        }
        memory.spokeConfig = spoke(p.getProperty("spoke"));
        memory.spokeHandshake = Optional.ofNullable(p.getProperty("spokeHandshake")).map(Instant::parse).orElse(null);
        return new Stored(identity, disk, memory);
    }

    // ---- values

    private static String join(String... parts) {
        return String.join(SEPARATOR, parts);
    }

    private static String[] split(String value) {
        return value == null ? null : value.split("\\|", -1);
    }

    private static void put(Properties p, String key, String value) {
        if (value != null) {
            p.setProperty(key, value);
        }
    }

    private static List<String[]> indexed(Properties p, String prefix) {
        List<String[]> values = new ArrayList<>();
        for (int i = 0; p.getProperty(prefix + "." + i) != null; i++) {
            values.add(split(p.getProperty(prefix + "." + i)));
        }
        return values;
    }

    private static Set<GuestCapability> capabilities(String text) {
        Set<GuestCapability> capabilities = EnumSet.noneOf(GuestCapability.class);
        if (text != null && !text.isEmpty()) {
            Arrays.stream(text.split(",")).map(GuestCapability::valueOf).forEach(capabilities::add);
        }
        return capabilities;
    }

    private static String subnet(Ipv4Subnet subnet) {
        return subnet.network().value() + "/" + subnet.prefixLength();
    }

    private static String endpoint(Endpoint endpoint) {
        return endpoint.address().value() + ":" + endpoint.port();
    }

    private static Endpoint endpoint(String text) {
        int colon = text.lastIndexOf(':');
        return new Endpoint(Ipv4Address.of(text.substring(0, colon)), Integer.parseInt(text.substring(colon + 1)));
    }

    private static String ports(List<PortRange> ranges) {
        return String.join(";", ranges.stream().map(r -> r.protocol() + ":" + r.first() + ":" + r.last()).toList());
    }

    private static List<PortRange> ports(String text) {
        List<PortRange> ranges = new ArrayList<>();
        for (String range : text.split(";")) {
            String[] parts = range.split(":");
            ranges.add(new PortRange(PortRange.Protocol.valueOf(parts[0]), Integer.parseInt(parts[1]),
                    Integer.parseInt(parts[2])));
        }
        return ranges;
    }

    private static String spoke(VpnSpokeConfig config) {
        return join(config.hubPublicKey().value(), endpoint(config.hubEndpoint()), config.overlayAddress().value(),
                subnet(config.allowedSubnet()));
    }

    private static VpnSpokeConfig spoke(String text) {
        String[] parts = split(text);
        if (parts == null) {
            return null;
        }
        return new VpnSpokeConfig(VpnPublicKey.of(parts[0]), endpoint(parts[1]), Ipv4Address.of(parts[2]),
                Ipv4Subnet.of(parts[3]));
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    // ---- files

    /** Writes {@code p} beside {@code file} and moves it over, so a crash leaves the old file or the new one. */
    static void store(Properties p, Path file) {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.createDirectories(file.getParent());
            try (Writer writer = Files.newBufferedWriter(temporary, StandardCharsets.UTF_8)) {
                p.store(writer, null);
            }
            restrictToOwner(temporary);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the sim guest file " + file, e);
        }
    }

    static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim guest file " + file, e);
        }
        return p;
    }

    private static void restrictToOwner(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // Not a POSIX file system: the directory's permissions are all there is.
        }
    }
}
