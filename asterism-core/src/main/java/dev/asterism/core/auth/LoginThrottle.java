package dev.asterism.core.auth;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing. After {@code freeFailures} failures of one key (a user name, a remote
 * address) within the window, the key is locked, for one minute and then twice as long after every further
 * failure, up to the window. Held in memory: a restart forgets it (see issue 2 note).
 */
public final class LoginThrottle {
    private static final int MAX_KEYS = 100_000;
    private static final Duration FIRST_LOCK = Duration.ofMinutes(1);

    private final Clock clock;
    private final int freeFailures;
    private final Duration window;
    private final Map<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > MAX_KEYS;
        }
    };

    public LoginThrottle(Clock clock, int freeFailures, Duration window) {
        this.clock = clock;
        this.freeFailures = freeFailures;
        this.window = window;
    }

    /** @throws AsterismException TOO_MANY_REQUESTS while the key is locked */
    public synchronized void check(String key) {
        Failures entry = failures.get(key);
        Instant now = clock.instant();
        if (entry != null && entry.lockedUntil != null && now.isBefore(entry.lockedUntil)) {
            long seconds = Math.max(1, Duration.between(now, entry.lockedUntil).toSeconds());
            throw new AsterismException(ErrorCode.TOO_MANY_REQUESTS,
                    "too many failed logins: try again in " + seconds + " seconds",
                    Map.of("retryAfterSeconds", seconds));
        }
    }

    public synchronized void failed(String key) {
        Instant now = clock.instant();
        Failures entry = failures.get(key);
        if (entry == null || now.isAfter(entry.windowStart.plus(window))) {
            entry = new Failures(now);
            failures.put(key, entry);
        }
        entry.count++;
        if (entry.count >= freeFailures) {
            int doublings = Math.min(entry.count - freeFailures, 10);
            Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
            entry.lockedUntil = now.plus(lock.compareTo(window) > 0 ? window : lock);
        }
    }

    public synchronized void succeeded(String key) {
        failures.remove(key);
    }

    private static final class Failures {
        final Instant windowStart;
        int count;
        Instant lockedUntil;

        Failures(Instant windowStart) {
            this.windowStart = windowStart;
        }
    }
}
