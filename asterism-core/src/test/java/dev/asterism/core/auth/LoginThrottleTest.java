package dev.asterism.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private static final Duration WINDOW = Duration.ofMinutes(15);

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-02T03:04:05Z"));
    private final LoginThrottle throttle = new LoginThrottle(clock, 5, WINDOW);

    @Test
    void four_failures_leave_the_key_open() {
        fail("alice", 4);

        assertThatCode(() -> throttle.check("alice")).doesNotThrowAnyException();
    }

    @Test
    void five_failures_lock_the_key_for_a_minute() {
        fail("alice", 5);

        assertLockedFor("alice", 60);
    }

    @Test
    void every_further_failure_doubles_the_lock() {
        fail("alice", 6);
        assertLockedFor("alice", 120);

        fail("alice", 1);
        assertLockedFor("alice", 240);

        fail("alice", 1);
        assertLockedFor("alice", 480);
    }

    @Test
    void the_lock_never_exceeds_the_window() {
        fail("alice", 9);
        assertLockedFor("alice", WINDOW.toSeconds());

        fail("alice", 40);
        assertLockedFor("alice", WINDOW.toSeconds());
    }

    @Test
    void the_lock_is_released_when_its_time_has_passed() {
        fail("alice", 5);

        clock.advance(Duration.ofSeconds(59));
        assertLockedFor("alice", 1);

        clock.advance(Duration.ofSeconds(1));
        assertThatCode(() -> throttle.check("alice")).doesNotThrowAnyException();
    }

    @Test
    void the_retry_time_counts_down_while_locked() {
        fail("alice", 5);

        clock.advance(Duration.ofSeconds(20));

        assertLockedFor("alice", 40);
    }

    @Test
    void a_success_resets_the_failures() {
        fail("alice", 4);
        throttle.succeeded("alice");
        fail("alice", 4);

        assertThatCode(() -> throttle.check("alice")).doesNotThrowAnyException();
    }

    @Test
    void a_success_releases_a_lock() {
        fail("alice", 5);

        throttle.succeeded("alice");

        assertThatCode(() -> throttle.check("alice")).doesNotThrowAnyException();
    }

    @Test
    void failures_older_than_the_window_are_forgotten() {
        fail("alice", 4);
        clock.advance(WINDOW.plusSeconds(1));
        fail("alice", 1);

        assertThatCode(() -> throttle.check("alice")).doesNotThrowAnyException();
    }

    @Test
    void keys_are_throttled_independently() {
        fail("alice", 5);
        fail("10.0.0.1", 4);

        assertLockedFor("alice", 60);
        assertThatCode(() -> throttle.check("bob")).doesNotThrowAnyException();
        assertThatCode(() -> throttle.check("10.0.0.1")).doesNotThrowAnyException();
    }

    @Test
    void a_key_never_seen_is_open() {
        assertThatCode(() -> throttle.check("nobody")).doesNotThrowAnyException();
        throttle.succeeded("nobody");
        assertThatCode(() -> throttle.check("nobody")).doesNotThrowAnyException();
    }

    private void fail(String key, int times) {
        for (int i = 0; i < times; i++) {
            throttle.failed(key);
        }
    }

    private void assertLockedFor(String key, long seconds) {
        assertThatThrownBy(() -> throttle.check(key)).isInstanceOfSatisfying(AsterismException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.TOO_MANY_REQUESTS);
            assertThat(e.details()).containsEntry("retryAfterSeconds", seconds);
            assertThat(e.getMessage()).contains(seconds + " seconds");
        });
    }
}
