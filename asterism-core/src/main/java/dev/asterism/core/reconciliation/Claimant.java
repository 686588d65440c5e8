package dev.asterism.core.reconciliation;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * One server process as it claims rows: its id (stable across restarts on the same data directory) and how long a
 * claim holds. The hold outlasts any single step (a few agent commands, each bounded by its timeout); a server that
 * dies leaves its claims to run out, after which another server takes the rows.
 */
public record Claimant(String id, Duration hold) {
    /** Long enough for the longest step; the time another server waits for a dead one's rows. */
    public static final Duration DEFAULT_HOLD = Duration.ofMinutes(1);

    public Claimant {
        requireNonNull(id, "id is null");
        requireNonNull(hold, "hold is null");
        if (id.isBlank() || id.length() > 64) {
            throw new IllegalArgumentException("a claimant id has 1 to 64 characters");
        }
        if (hold.isNegative() || hold.isZero()) {
            throw new IllegalArgumentException("a claim must hold for a positive time");
        }
    }

    /** A claim taken now. */
    public Claim claimAt(Instant now) {
        return new Claim(id, now, now.plus(hold));
    }
}
