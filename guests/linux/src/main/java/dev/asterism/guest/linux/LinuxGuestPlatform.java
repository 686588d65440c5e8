package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.BatchNode;
import dev.asterism.spi.guest.BatchScheduler;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.DomainMember;
import dev.asterism.spi.guest.FileShare;
import dev.asterism.spi.guest.FileShareClient;
import dev.asterism.spi.guest.Firewall;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Power;
import dev.asterism.spi.guest.RemoteDesktop;
import dev.asterism.spi.guest.Scripts;
import dev.asterism.spi.guest.VpnHub;
import dev.asterism.spi.guest.VpnSpoke;
import dev.asterism.spi.realm.OsFamily;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * The guest platform of a Linux guest: Samba AD for the domain controller and the file share, {@code adcli} for the
 * join, {@code smbclient} for share clients, nftables for the firewall, WireGuard ({@code wireguard-go} when the
 * kernel lacks it) for the VPN, xrdp for remote desktop, Slurm with munge for batch jobs, chrony for the domain's time, {@code /bin/sh} for scripts. Every tool runs through {@link HostCommands}, so the
 * same code drives a real Linux VM (commands run locally) and a netns host of this machine (through nsenter).
 *
 * <p>What must outlive a reboot is written under {@value #STATE_DIRECTORY} (root only); {@link #boot} brings it back
 * (the firewall baseline, the domain controller's services, the VPN interfaces, Slurm's daemons), as the agent calls it when it starts.
 */
public final class LinuxGuestPlatform implements GuestPlatform {
    /** Where the platform keeps its own state on the guest. */
    static final String STATE_DIRECTORY = "/var/lib/asterism/guest";

    private final ChronyTime time;
    private final NftFirewall firewall;
    private final SambaDomainController domainController;
    private final AdcliDomainMember domainMember;
    private final WireGuardHub vpnHub;
    private final WireGuardSpoke vpnSpoke;
    private final SambaFileShare fileShare;
    private final SmbFileShareClient fileShareClient;
    private final XrdpRemoteDesktop remoteDesktop;
    private final SlurmScheduler batchScheduler;
    private final SlurmNode batchNode;
    private final ShellScripts scripts;
    private final LinuxPower power;

    /**
     * @param commands how to run the guest's tools
     * @param hostName the guest's host name, given to Samba and adcli explicitly
     * @param reboot what reboots the guest ({@code systemctl reboot}, or a netns host's reboot); {@link #boot} runs
     *     after it returns
     * @param provisionCache a directory of saved freshly provisioned domain trees, keyed by domain, host, address and
     *     password, to provision the same domain again in a fraction of the time; empty to always provision
     * @param sharedClock whether the guest's clock is the machine's it runs on (a netns host): then the time the
     *     controller serves is followed but never set
     */
    public LinuxGuestPlatform(HostCommands commands, Clock clock, String hostName, Runnable reboot,
            Optional<String> provisionCache, boolean sharedClock) {
        requireNonNull(commands, "commands is null");
        requireNonNull(hostName, "hostName is null");
        this.time = new ChronyTime(commands, sharedClock);
        this.firewall = new NftFirewall(commands, clock, STATE_DIRECTORY + "/firewall.nft");
        this.domainController = new SambaDomainController(commands, hostName, provisionCache, time);
        this.domainMember = new AdcliDomainMember(commands, hostName, time);
        this.vpnHub = new WireGuardHub(commands);
        this.vpnSpoke = new WireGuardSpoke(commands);
        this.fileShare = new SambaFileShare(commands, domainController);
        this.fileShareClient = new SmbFileShareClient(commands);
        this.remoteDesktop = new XrdpRemoteDesktop(commands);
        this.batchScheduler = new SlurmScheduler(commands);
        this.batchNode = new SlurmNode(commands);
        this.scripts = new ShellScripts(commands);
        this.power = new LinuxPower(commands, reboot, this::boot);
    }

    /**
     * A guest that shares its clock with the machine it runs on, as a netns host does: chrony follows the
     * controller's time but never sets the clock.
     */
    public LinuxGuestPlatform(HostCommands commands, Clock clock, String hostName, Runnable reboot,
            Optional<String> provisionCache) {
        this(commands, clock, hostName, reboot, provisionCache, true);
    }

    /**
     * Brings back what the last boot lost and the disk kept: the firewall baseline, the domain controller's services
     * when a domain is provisioned, the VPN hub and a persisted spoke. Idempotent; the agent calls it when it starts.
     */
    public void boot() {
        time.restore();
        firewall.restore();
        domainController.restore();
        vpnHub.restore();
        vpnSpoke.restore();
        domainMember.restore();
        remoteDesktop.restore();
        batchScheduler.restore();
        batchNode.restore();
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public OsFamily osFamily() {
        return OsFamily.LINUX;
    }

    @Override
    public Set<GuestCapability> capabilities() {
        return EnumSet.allOf(GuestCapability.class);
    }

    @Override
    public DomainController domainController() {
        return domainController;
    }

    @Override
    public DomainMember domainMember() {
        return domainMember;
    }

    @Override
    public Firewall firewall() {
        return firewall;
    }

    @Override
    public VpnHub vpnHub() {
        return vpnHub;
    }

    @Override
    public VpnSpoke vpnSpoke() {
        return vpnSpoke;
    }

    @Override
    public FileShare fileShare() {
        return fileShare;
    }

    @Override
    public FileShareClient fileShareClient() {
        return fileShareClient;
    }

    @Override
    public RemoteDesktop remoteDesktop() {
        return remoteDesktop;
    }

    @Override
    public BatchScheduler batchScheduler() {
        return batchScheduler;
    }

    @Override
    public BatchNode batchNode() {
        return batchNode;
    }

    @Override
    public Scripts scripts() {
        return scripts;
    }

    @Override
    public Power power() {
        return power;
    }
}
