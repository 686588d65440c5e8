package dev.asterism.spi.guest;

/**
 * The optional parts of a guest platform, declared by {@link GuestPlatform#capabilities()} and checked by callers
 * before they ask for the part. {@link Scripts} and {@link Power} are not listed: every platform has them.
 */
public enum GuestCapability {
    /** {@link GuestPlatform#domainController()}: a domain controller can be provisioned here. */
    DOMAIN_CONTROLLER,
    /** {@link GuestPlatform#domainMember()}: this guest can join a domain. */
    DOMAIN_MEMBER,
    /** {@link GuestPlatform#firewall()}: a default-drop firewall with expiring port leases. */
    FIREWALL,
    /** {@link GuestPlatform#vpnHub()}: this guest can be the VPN hub of a constellation. */
    VPN_HUB,
    /** {@link GuestPlatform#vpnSpoke()}: this guest can be a VPN spoke. */
    VPN_SPOKE,
    /** {@link GuestPlatform#fileShare()}: this guest can serve file shares. */
    FILE_SHARE,
    /** {@link GuestPlatform#fileShareClient()}: this guest can read and write files on another guest's share. */
    FILE_SHARE_CLIENT,
    /** {@link GuestPlatform#remoteDesktop()}: this guest can serve remote desktop sessions. */
    REMOTE_DESKTOP,
    /** {@link GuestPlatform#batchScheduler()}: this guest can run a constellation's batch scheduler. */
    BATCH_SCHEDULER,
    /** {@link GuestPlatform#batchNode()}: this guest can run batch jobs for a constellation's scheduler. */
    BATCH_NODE
}
