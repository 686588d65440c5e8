package dev.asterism.spi.guest;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The guest's inbound firewall (nftables on Linux, Windows Firewall on Windows): a default-drop baseline, and port
 * leases that the platform itself closes at their deadline (on Linux, elements of an nft set with a timeout), so
 * that no crash of the agent or the server can leave a port open past its lease.
 *
 * <p>The baseline lives on disk and survives reboots. Leases live only in memory (the kernel's ruleset): a reboot
 * closes them all, which is safe; the reconciler opens a lease again if it still needs it.
 */
public interface Firewall {

    /**
     * Installs {@code baseline}: default drop for inbound traffic, plus its rules. Called when a role starts and
     * again after every restart of the agent.
     *
     * <p>Idempotent: applying the baseline in force changes nothing. Applying a different one replaces the previous
     * baseline's rules atomically; open leases stay.
     *
     * @throws GuestException {@code UNAVAILABLE} when the firewall cannot be changed now; the old rules then stay
     */
    void applyBaseline(FirewallBaseline baseline);

    /** The baseline in force, observed from the platform, or empty before the first {@link #applyBaseline}. */
    Optional<FirewallBaseline> baseline();

    /**
     * Allows {@code ports} from {@code source} until {@code expiresAt}, measured by the platform's own clock.
     * Called in the OPEN_PORTS phase of onboarding, for the joining VM's underlay address.
     *
     * <p>Idempotent on {@code leaseId}: opening an open lease again replaces its source, ports and deadline with the
     * new ones (so a retry can extend it); opening the same lease twice never opens it twice.
     *
     * @throws GuestException {@code INVALID} when {@code expiresAt} is not after the platform's now, or the lease
     *     id is not 1 to 64 letters, digits, dots, hyphens and underscores; {@code UNAVAILABLE} when the firewall
     *     cannot be changed now (nothing is opened)
     */
    void openLease(String leaseId, Ipv4Address source, List<PortRange> ports, Instant expiresAt);

    /**
     * Closes a lease before its deadline and cuts the connections its source established through it (conntrack
     * flush), so that an established session does not outlive it. Called in the CLOSE_PORTS phase and by cleanup.
     * Closing a lease that is closed, expired or unknown succeeds; closing an expired one still cuts its
     * connections, because expiry only stops new ones (the platform remembers the source of a lease it opened).
     *
     * @throws GuestException {@code UNAVAILABLE} when the firewall cannot be changed now
     */
    void closeLease(String leaseId);

    /**
     * The leases open now, observed from the platform itself (not from a record of what was asked). A lease whose
     * deadline has passed is never listed.
     *
     * @throws GuestException {@code UNAVAILABLE} when the firewall cannot be read now
     */
    List<PortLease> openLeases();
}
