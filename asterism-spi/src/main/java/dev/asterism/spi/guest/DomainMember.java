package dev.asterism.spi.guest;

import java.util.Optional;

/**
 * The member side of the domain: the worker role's join step ({@code adcli join --one-time-password} on Linux,
 * {@code Add-Computer} on Windows). The membership lives on disk and survives reboots.
 */
public interface DomainMember {

    /**
     * Joins {@code domain} through the controller at {@code controllerAddress} as {@code computerName}, with the
     * one-time password the controller preset for it. Called by the stub's join script; needs the controller's
     * {@link DomainController#joinPorts()} reachable from this guest (a port lease, or the VPN).
     *
     * <p>Idempotent: when this guest is already joined to {@code domain} as {@code computerName}, succeeds without
     * using the password, so that a join step repeated after a crash or a reboot does not burn it.
     *
     * @throws GuestException {@code ALREADY_USED} when the one-time password has been used (by this guest under
     *     another state or by any other guest) and the platform can tell; {@code INVALID} when it is wrong, or used
     *     on a platform that cannot tell reuse from a wrong password (adcli: the first join replaced it); {@code NOT_FOUND} when the
     *     controller has no such domain or no such preset computer; {@code CONFLICT} when this guest is joined to
     *     another domain or under another name; {@code UNAVAILABLE} when the controller cannot be reached (the join
     *     ports are closed) or does not answer. A failed join leaves the guest unjoined.
     */
    void join(DomainName domain, Ipv4Address controllerAddress, ComputerName computerName, Secret oneTimePassword);

    /**
     * Makes this joined guest reach its domain controller at {@code controllerAddress} from now on: Kerberos, DNS and
     * the recorded membership. Called once the member is on the VPN, with the controller's overlay address, so that
     * domain traffic travels inside the tunnel and the controller's underlay ports can stay closed. Idempotent.
     *
     * @throws GuestException {@code NOT_FOUND} when this guest has not joined a domain
     */
    void useController(Ipv4Address controllerAddress);

    /** The domain this guest has joined, from its own disk, or empty. Does not ask the controller. */
    Optional<DomainMembership> membership();
}
