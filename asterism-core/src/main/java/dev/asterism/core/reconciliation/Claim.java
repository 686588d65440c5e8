package dev.asterism.core.reconciliation;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A reconciler's claim on the rows it is about to work on: taken at {@code now} by {@code claimant} (one server
 * process) and held until {@code until}. A row claimed by another server whose claim has not run out is left alone;
 * the same server takes its own rows again at once, so a server restarted on its data directory carries on where it
 * stopped, while another server waits for the claim to run out.
 */
public record Claim(String claimant, Instant now, Instant until) {
    public Claim {
        requireNonNull(claimant, "claimant is null");
        requireNonNull(now, "now is null");
        requireNonNull(until, "until is null");
        if (!until.isAfter(now)) {
            throw new IllegalArgumentException("a claim must last beyond now");
        }
    }
}
