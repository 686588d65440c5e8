package dev.asterism.testing;

import static java.util.Objects.requireNonNull;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A {@link Clock} that a test moves by hand, so that anything driven by an injected clock (deadlines, the
 * {@code sim} realm's delays, reconciler retries) runs without waiting in real time.
 *
 * <p>Thread-safe: the code under test may read it from other threads while the test advances it. Clocks
 * obtained from {@link #withZone} share the same instant, so advancing one advances all of them.
 */
public final class MutableClock extends Clock {

    private final AtomicReference<Instant> now;
    private final ZoneId zone;

    /** A clock in UTC that stands still at {@code start} until moved. */
    public MutableClock(Instant start) {
        this(new AtomicReference<>(requireNonNull(start, "start is null")), ZoneOffset.UTC);
    }

    private MutableClock(AtomicReference<Instant> now, ZoneId zone) {
        this.now = now;
        this.zone = zone;
    }

    /**
     * Moves the clock forward.
     *
     * @throws IllegalArgumentException when {@code duration} is negative; use {@link #set} to go back
     */
    public void advance(Duration duration) {
        requireNonNull(duration, "duration is null");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("cannot advance a clock by a negative duration: " + duration);
        }
        now.updateAndGet(current -> current.plus(duration));
    }

    /** Moves the clock to {@code instant}, forward or back. */
    public void set(Instant instant) {
        now.set(requireNonNull(instant, "instant is null"));
    }

    @Override
    public Instant instant() {
        return now.get();
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        requireNonNull(zone, "zone is null");
        return new MutableClock(now, zone);
    }

    @Override
    public String toString() {
        return "MutableClock[" + now.get() + ", " + zone + "]";
    }
}
