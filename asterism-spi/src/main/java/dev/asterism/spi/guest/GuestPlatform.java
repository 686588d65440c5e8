package dev.asterism.spi.guest;

import dev.asterism.spi.realm.OsFamily;
import java.util.Set;

/**
 * Everything the agent inside a VM does to its guest operating system, one interface per concern, with the
 * implementations {@code linux} (samba-tool, adcli, wg, nft), {@code windows} (PowerShell) and {@code sim} (in
 * memory). The agent needs nothing else from the OS: it reads and writes its own state directory, talks to the
 * server, and acts on the guest only through this interface.
 *
 * <p><b>Failure contract.</b> Every operation fails with a {@link GuestException} whose code says why and whose
 * message never holds a secret. Every operation that changes state is idempotent, because the agent repeats a step
 * after a crash or a reboot: doing it again when it is done succeeds, and removing something already gone
 * succeeds. An operation that fails leaves the guest as it was before, or in a state the same call repairs.
 *
 * <p><b>Reboots.</b> Each part says which of its state lives on disk (survives {@link Power#reboot()}) and which
 * only in memory (lost by a reboot). Losing in-memory state is always safe: a lost port lease is a closed port.
 *
 * <p>Implementations are thread-safe; the agent may call different parts from different threads.
 */
public interface GuestPlatform {

    /** The implementation's name: {@code linux}, {@code windows} or {@code sim}. */
    String name();

    /** The operating system family this platform drives. */
    OsFamily osFamily();

    /** The optional parts this platform has. Callers check before calling the accessor of a part. */
    Set<GuestCapability> capabilities();

    /**
     * The domain controller part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#DOMAIN_CONTROLLER}
     */
    DomainController domainController();

    /**
     * The domain member part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#DOMAIN_MEMBER}
     */
    DomainMember domainMember();

    /**
     * The firewall part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#FIREWALL}
     */
    Firewall firewall();

    /**
     * The VPN hub part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#VPN_HUB}
     */
    VpnHub vpnHub();

    /**
     * The VPN spoke part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#VPN_SPOKE}
     */
    VpnSpoke vpnSpoke();

    /**
     * The file share server part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#FILE_SHARE}
     */
    FileShare fileShare();

    /**
     * The file share client part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#FILE_SHARE_CLIENT}
     */
    FileShareClient fileShareClient();

    /**
     * The remote desktop part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#REMOTE_DESKTOP}
     */
    RemoteDesktop remoteDesktop();

    /**
     * The batch scheduler part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#BATCH_SCHEDULER}
     */
    BatchScheduler batchScheduler();

    /**
     * The batch node part.
     *
     * @throws GuestException {@code UNSUPPORTED} without {@link GuestCapability#BATCH_NODE}
     */
    BatchNode batchNode();

    /** Runs scripts; every platform has it. */
    Scripts scripts();

    /** Reboots the guest; every platform has it. */
    Power power();
}
