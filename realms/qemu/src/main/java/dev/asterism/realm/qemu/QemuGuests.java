package dev.asterism.realm.qemu;

import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVmSpec;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.Set;

/**
 * How a VM booting the Debian brick is wired, the same under plain QEMU ({@link QemuRealm}) and under libvirt: its
 * kernel command line (static underlay address, no IPv6), its management NIC (user mode, {@code restrict=on}, one
 * forwarded address leading to the server's agent port), its bootstrap data (read from {@code fw_cfg}), and the
 * underlay addressing (a /24 per network in {@code 10.211.0.0/16}).
 */
public final class QemuGuests {
    /** Where a guest reaches the server's agent endpoint (forwarded by QEMU to the server's agent port). */
    public static final String MANAGEMENT_ADDRESS = "10.0.2.100";
    /** The {@code fw_cfg} name the brick's agent reads its bootstrap from. */
    public static final String BOOTSTRAP_FW_CFG = "opt/dev.asterism/bootstrap";

    private QemuGuests() {}

    /** One VM's place on the underlay, as a realm remembers it. */
    public record Placement(String network, int subnet, String address) {}

    /**
     * The guest's kernel command line: the brick's root disk, the serial console, interface names eth0 (underlay,
     * the first NIC) and eth1 (management), their static addresses, and no IPv6, because QEMU's user-mode NIC would
     * hand out a fec0:: address that Samba would publish in the domain.
     */
    public static String kernelCommandLine(String address, String hostName) {
        return "root=/dev/vda rw console=ttyS0 net.ifnames=0 ipv6.disable=1 systemd.hostname=" + hostName
                + " ip=" + address + ":::255.255.255.0:" + hostName + ":eth0:off"
                + " ip=10.0.2.15:::255.255.255.0::eth1:off";
    }

    /**
     * The {@code -netdev} value of the management NIC: user mode with {@code restrict=on}, so the guest reaches
     * nothing outside, but {@value #MANAGEMENT_ADDRESS} on the agent port, whose connections QEMU hands to socat,
     * which dials {@code agentHost} on the same port from the hypervisor's host.
     */
    public static String managementNetdev(String agentHost, int agentPort) {
        if (!agentHost.matches("[A-Za-z0-9.:-]+")) {
            throw new RealmException(RealmException.Code.INVALID_SPEC, "the agent endpoint's host '" + agentHost
                    + "' is not a plain host name or address");
        }
        String target = agentHost.contains(":") ? "[" + agentHost + "]" : agentHost;
        return "user,id=management,restrict=on,net=10.0.2.0/24,guestfwd=tcp:" + MANAGEMENT_ADDRESS + ":" + agentPort
                + "-cmd:socat STDIO TCP:" + target + ":" + agentPort;
    }

    /**
     * The brick a VM boots: the one its catalog image names, when the image's source is the absolute path of a brick
     * directory ({@code asterism brick build linux --register} registers such an image), else the realm's default.
     *
     * @throws RealmException INVALID_SPEC when the image names a directory that is not a complete brick
     */
    public static DebianBrickBuilder.Brick brickFor(String image, DebianBrickBuilder.Brick fallback) {
        if (!image.startsWith("/")) {
            return requireBrick(fallback, "");
        }
        return requireBrick(DebianBrickBuilder.Brick.at(Path.of(image).normalize()), " (named by the VM's image)");
    }

    /**
     * Checks that {@code brick} holds the files a VM boots from.
     *
     * @throws RealmException INVALID_SPEC naming the missing file
     */
    public static DebianBrickBuilder.Brick requireBrick(DebianBrickBuilder.Brick brick, String whose) {
        for (Path file : List.of(brick.rootFileSystem(), brick.kernel(), brick.initrd())) {
            if (!Files.isRegularFile(file)) {
                throw new RealmException(RealmException.Code.INVALID_SPEC, "the brick's " + file.getFileName()
                        + " is missing in " + brick.directory() + whose + ": run `asterism brick build linux` and give"
                        + " its directory");
            }
        }
        return brick;
    }

    /** The bootstrap a guest of the brick reads at its first boot, as properties text. */
    public static String bootstrap(RealmVmSpec spec, String underlayAddress) {
        Properties bootstrap = new Properties();
        bootstrap.setProperty("vmId", spec.vmId());
        bootstrap.setProperty("serverUrl", guestServerUrl(spec.bootstrap().serverUrl()));
        bootstrap.setProperty("caFingerprint", spec.bootstrap().caFingerprint());
        bootstrap.setProperty("registrationToken", spec.bootstrap().registrationToken());
        bootstrap.setProperty("platform", "linux");
        bootstrap.setProperty("hostName", spec.hostName());
        bootstrap.setProperty("underlayAddress", underlayAddress);
        StringWriter text = new StringWriter();
        try {
            bootstrap.store(text, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The date line Properties writes first would make the same bootstrap differ from run to run.
        return text.toString().lines().filter(line -> !line.startsWith("#"))
                .reduce("", (all, line) -> all + line + "\n");
    }

    /** The server's agent URL as the guest dials it: through the management NIC's forwarded address. */
    public static String guestServerUrl(String serverUrl) {
        URI uri = URI.create(serverUrl);
        return uri.getScheme() + "://" + MANAGEMENT_ADDRESS + ":" + uri.getPort() + uri.getPath();
    }

    /** The /24 index of {@code network}: the one its VMs already have, else the lowest one no network has. */
    public static int subnetOf(String network, Collection<Placement> taken) {
        Set<Integer> used = new HashSet<>();
        for (Placement placement : taken) {
            if (placement.network().equals(network)) {
                return placement.subnet();
            }
            used.add(placement.subnet());
        }
        for (int index = 1; index < 255; index++) {
            if (!used.contains(index)) {
                return index;
            }
        }
        throw new RealmException(RealmException.Code.NO_CAPACITY, "no free /24 left in 10.211.0.0/16");
    }

    /** A free place for one more VM on {@code network}. */
    public static Placement place(String network, Collection<Placement> taken) {
        int subnet = subnetOf(network, taken);
        Set<String> addresses = new HashSet<>();
        taken.forEach(placement -> addresses.add(placement.address()));
        for (int hostPart = 10; hostPart < 250; hostPart++) {
            String candidate = "10.211." + subnet + "." + hostPart;
            if (!addresses.contains(candidate)) {
                return new Placement(network, subnet, candidate);
            }
        }
        throw new RealmException(RealmException.Code.NO_CAPACITY, "network " + network + " is full");
    }

    /** A stable, locally administered MAC address for a VM's underlay NIC. */
    public static String mac(String vmId) {
        String hash = hash(vmId);
        return "52:54:00:" + hash.substring(0, 2) + ":" + hash.substring(2, 4) + ":" + hash.substring(4, 6);
    }

    /** A host link or object name: the prefix, a kind letter and 8 hex digits of the name's hash (15 at most). */
    public static String linkName(String prefix, String kind, String name) {
        return prefix + kind + hash(name).substring(0, 8);
    }

    /** Checks a VM id is safe as a file, domain and volume name. */
    public static String requireVmId(String vmId, String realm) {
        if (!vmId.matches("[A-Za-z0-9._-]{1,64}") || vmId.startsWith(".")) {
            throw new RealmException(RealmException.Code.INVALID_SPEC, "a VM id of the " + realm + " realm is 1 to"
                    + " 64 letters, digits, dots, hyphens and underscores");
        }
        return vmId;
    }

    private static String hash(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
