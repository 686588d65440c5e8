package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Ports opened on a firewall for one source address until a deadline, as observed on the platform.
 *
 * @param leaseId the caller's id for the lease (for example the member's id)
 * @param expiresAt when the platform itself closes the lease
 */
public record PortLease(String leaseId, Ipv4Address source, List<PortRange> ports, Instant expiresAt) {

    private static final Pattern LEASE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public PortLease {
        requireLeaseId(leaseId);
        requireNonNull(source, "source is null");
        ports = List.copyOf(ports);
        if (ports.isEmpty()) {
            throw new IllegalArgumentException("a lease opens at least one port range");
        }
        requireNonNull(expiresAt, "expiresAt is null");
    }

    /**
     * Checks a lease id: 1 to 64 letters, digits, dots, hyphens and underscores, so that every platform can store
     * it beside the lease (an nft element comment, a rule name).
     *
     * @throws IllegalArgumentException when it is not one
     */
    public static String requireLeaseId(String leaseId) {
        requireNonNull(leaseId, "leaseId is null");
        if (!LEASE_ID.matcher(leaseId).matches()) {
            throw new IllegalArgumentException(
                    "lease id '" + leaseId + "' must be 1 to 64 letters, digits, dots, hyphens and underscores");
        }
        return leaseId;
    }
}
