package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * A computer account as the domain controller holds it.
 *
 * @param joined whether a member has completed the join with the account's one-time password; false while the
 *     account is only preset, and again after a new preset
 */
public record ComputerAccount(ComputerName name, boolean joined) {
    public ComputerAccount {
        requireNonNull(name, "name is null");
    }
}
