package dev.asterism.guest.linux;

import java.util.List;
import java.util.Map;

/** The Debian packages the linux guest platform needs, and which one brings a given tool, for install hints. */
public final class LinuxPackages {
    /** Everything a Linux guest of any role needs, as one {@code apt-get install} list. */
    public static final List<String> ALL = List.of("samba", "samba-ad-dc", "samba-ad-provision", "samba-dsdb-modules",
            "samba-vfs-modules", "winbind", "krb5-user", "adcli", "smbclient", "ldb-tools", "wireguard-go",
            "wireguard-tools", "nftables", "conntrack", "iproute2", "python3", "procps", "socat", "xrdp", "openssl",
            "sssd-ad", "libnss-sss", "libpam-sss", "xorgxrdp", "xfce4-session", "xfwm4", "xfce4-panel", "xfdesktop4",
            "xfce4-terminal", "dbus-x11", "smbnetfs", "fuse3", "munge", "slurmctld", "slurmd", "slurm-client", "chrony");

    private static final Map<String, String> TOOLS = Map.ofEntries(
            Map.entry("nft", "nftables"),
            Map.entry("conntrack", "conntrack"),
            Map.entry("ip", "iproute2"),
            Map.entry("samba", "samba-ad-dc samba-ad-provision samba-dsdb-modules"),
            Map.entry("samba-tool", "samba-ad-dc samba-ad-provision samba-dsdb-modules"),
            Map.entry("smbcontrol", "samba"),
            Map.entry("ldbsearch", "ldb-tools"),
            Map.entry("adcli", "adcli"),
            Map.entry("kinit", "krb5-user"),
            Map.entry("klist", "krb5-user"),
            Map.entry("smbclient", "smbclient"),
            Map.entry("wireguard-go", "wireguard-go"),
            Map.entry("wg", "wireguard-tools"),
            Map.entry("nsenter", "util-linux"),
            Map.entry("unshare", "util-linux"),
            Map.entry("python3", "python3"),
            Map.entry("socat", "socat"),
            Map.entry("xrdp", "xrdp"),
            Map.entry("sssd", "sssd-ad libnss-sss libpam-sss"),
            Map.entry("Xorg", "xorgxrdp"),
            Map.entry("xfce4-session", "xfce4-session xfwm4 xfce4-panel xfdesktop4 xfce4-terminal dbus-x11"),
            Map.entry("smbnetfs", "smbnetfs fuse3"),
            Map.entry("fusermount3", "fuse3"),
            Map.entry("munged", "munge"),
            Map.entry("chronyd", "chrony"),
            Map.entry("slurmctld", "slurmctld slurm-client"),
            Map.entry("slurmd", "slurmd slurm-client"),
            Map.entry("openssl", "openssl"),
            Map.entry("sysctl", "procps"),
            Map.entry("timeout", "coreutils"));

    private LinuxPackages() {
    }

    /** The packages whose tools are missing on this machine, none when everything is there. */
    public static List<String> missing() {
        java.util.Set<String> missing = new java.util.LinkedHashSet<>();
        for (Map.Entry<String, String> tool : TOOLS.entrySet()) {
            HostCommands.Result found = HostCommands.local().run(List.of("sh", "-c", "command -v \"$1\"", "sh",
                    tool.getKey()), null);
            if (!found.succeeded()) {
                missing.addAll(List.of(tool.getValue().split(" ")));
            }
        }
        return List.copyOf(missing);
    }

    /**
     * Fails unless every tool is here.
     *
     * @throws IllegalStateException naming the {@code apt-get install} line that brings what is missing
     */
    public static void requireInstalled() {
        List<String> missing = missing();
        if (!missing.isEmpty()) {
            throw new IllegalStateException("the linux guest tools are missing: apt-get install "
                    + String.join(" ", missing) + " (and run as root)");
        }
    }

    /** The package (or packages) to install for {@code tool}, or the whole list when the tool is not known. */
    public static String hintFor(String tool) {
        return TOOLS.getOrDefault(tool, String.join(" ", ALL));
    }
}
