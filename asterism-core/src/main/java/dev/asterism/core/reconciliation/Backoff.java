package dev.asterism.core.reconciliation;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;

/**
 * When a reconciler tries a failed step again: the base delay, doubled per earlier failure up to a cap, less up to a fifth
 * (jitter), so that rows that failed together (a realm or a controller briefly away) do not all come back in the
 * same pass. The jitter comes from the row's id and the attempt, not from a random source: a pass repeated after a
 * crash computes the same time, and a test's clock reaches it as surely as the delay without jitter.
 *
 * @param base the delay of the first retry
 * @param cap the longest delay
 */
public record Backoff(Duration base, Duration cap) {
    /** The share of the delay that jitter may take off. */
    static final double JITTER = 0.2;

    public Backoff {
        requireNonNull(base, "base is null");
        requireNonNull(cap, "cap is null");
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("a backoff needs 0 < base <= cap, not " + base + " and " + cap);
        }
    }

    /** When row {@code id}, whose step has failed {@code attempts} times before this one, is tried again. */
    public Instant next(Instant now, String id, int attempts) {
        return now.plus(delay(id, attempts));
    }

    /** The delay before the retry that follows {@code attempts} earlier failures of row {@code id}'s step. */
    public Duration delay(String id, int attempts) {
        requireNonNull(id, "id is null");
        long full = base.toMillis();
        for (int doubling = 0; doubling < attempts && full < cap.toMillis(); doubling++) {
            full *= 2;
        }
        full = Math.min(full, cap.toMillis());
        long spread = (id.hashCode() * 31L + attempts) * 0x9E3779B97F4A7C15L;
        double fraction = (spread >>> 11) / (double) (1L << 53);
        return Duration.ofMillis(Math.round(full * (1 - JITTER * fraction)));
    }
}
