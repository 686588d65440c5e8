package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * A member's own record of the domain it joined, as kept on its disk (keytab, {@code secrets.tdb}, registry).
 *
 * @param controllerAddress the domain controller the member joined through
 */
public record DomainMembership(DomainName domain, ComputerName computerName, Ipv4Address controllerAddress) {
    public DomainMembership {
        requireNonNull(domain, "domain is null");
        requireNonNull(computerName, "computerName is null");
        requireNonNull(controllerAddress, "controllerAddress is null");
    }
}
