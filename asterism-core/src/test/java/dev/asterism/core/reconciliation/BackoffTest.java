package dev.asterism.core.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(16));

    @Test
    void the_delay_doubles_per_attempt_up_to_the_cap_less_at_most_a_fifth() {
        long full = 500;
        for (int attempts = 0; attempts < 40; attempts++) {
            long expected = Math.min(full, 16_000);
            Duration delay = backoff.delay("member-1", attempts);
            assertThat(delay.toMillis()).as("attempt %d", attempts)
                    .isLessThanOrEqualTo(expected)
                    .isGreaterThanOrEqualTo(Math.round(expected * (1 - Backoff.JITTER)));
            full = Math.min(full * 2, 1L << 40);
        }
    }

    @Test
    void rows_that_failed_together_come_back_at_different_times_and_a_row_always_at_the_same() {
        Set<Duration> delays = new HashSet<>();
        for (int row = 0; row < 100; row++) {
            delays.add(backoff.delay("member-" + row, 3));
            assertThat(backoff.delay("member-" + row, 3)).isEqualTo(backoff.delay("member-" + row, 3));
        }
        assertThat(delays).as("100 rows at their fourth retry").hasSizeGreaterThan(50);
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        assertThat(backoff.next(now, "member-1", 0)).isEqualTo(now.plus(backoff.delay("member-1", 0)));
    }

    @Test
    void a_backoff_needs_a_positive_base_no_longer_than_its_cap() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
