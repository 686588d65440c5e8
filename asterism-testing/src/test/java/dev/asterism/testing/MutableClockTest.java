package dev.asterism.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MutableClockTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void clock_stands_still_at_its_start_in_utc() {
        MutableClock clock = new MutableClock(START);

        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.instant()).isEqualTo(START);
        assertThat(clock.getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void advance_moves_the_clock_forward() {
        MutableClock clock = new MutableClock(START);

        clock.advance(Duration.ofSeconds(90));

        assertThat(clock.instant()).isEqualTo(START.plusSeconds(90));
        assertThat(clock.millis()).isEqualTo(START.plusSeconds(90).toEpochMilli());
    }

    @Test
    void advance_by_a_negative_duration_is_refused() {
        MutableClock clock = new MutableClock(START);

        assertThatIllegalArgumentException().isThrownBy(() -> clock.advance(Duration.ofSeconds(-1)));
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void set_moves_the_clock_to_any_instant_even_back() {
        MutableClock clock = new MutableClock(START);

        clock.set(START.minusSeconds(3600));

        assertThat(clock.instant()).isEqualTo(START.minusSeconds(3600));
    }

    @Test
    void a_clock_in_another_zone_shares_the_same_instant() {
        MutableClock clock = new MutableClock(START);
        Clock paris = clock.withZone(ZoneId.of("Europe/Paris"));

        clock.advance(Duration.ofMinutes(5));

        assertThat(paris.getZone()).isEqualTo(ZoneId.of("Europe/Paris"));
        assertThat(paris.instant()).isEqualTo(START.plusSeconds(300));
    }

    @Test
    void advances_from_many_threads_are_never_lost() throws InterruptedException {
        MutableClock clock = new MutableClock(START);
        List<Thread> threads = new ArrayList<>();
        for (int thread = 0; thread < 4; thread++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int step = 0; step < 1000; step++) {
                    clock.advance(Duration.ofMillis(1));
                }
            }));
        }
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(clock.instant()).isEqualTo(START.plusSeconds(4));
    }
}
