package dev.asterism.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MeasurementTest {

    @Test
    void percentiles_use_the_nearest_rank_of_the_successful_requests() {
        long[] latencies = LongStream.rangeClosed(1, 100).map(millis -> millis * 1_000_000).toArray();
        Measurement measurement = new Measurement("vm list", 16, 100, 2_000_000_000L, latencies, Optional.empty());

        assertThat(measurement.percentileMillis(0.50)).isEqualTo(50.0);
        assertThat(measurement.percentileMillis(0.99)).isEqualTo(99.0);
        assertThat(measurement.percentileMillis(1.0)).isEqualTo(100.0);
        assertThat(measurement.requestsPerSecond()).isCloseTo(50.0, within(1e-9));
        assertThat(measurement.errors()).isZero();
    }

    @Test
    void failed_requests_count_as_errors_and_not_in_the_latencies() {
        Measurement measurement = new Measurement("login", 1, 3, 1_000_000_000L, new long[] {3_000_000, 1_000_000},
                Optional.of("HTTP 500"));

        assertThat(measurement.errors()).isEqualTo(1);
        assertThat(measurement.percentileMillis(0.50)).isEqualTo(1.0);
    }

    @Test
    void a_row_without_any_success_has_no_percentiles() {
        Measurement measurement = new Measurement("login", 1, 2, 1, new long[0], Optional.of("refused"));

        assertThat(measurement.percentileMillis(0.99)).isNaN();
        assertThat(ResultTable.format(measurement.percentileMillis(0.99))).isEqualTo("-");
    }

    @Test
    void load_sends_every_request_once_and_reports_the_first_failure() {
        AtomicInteger sent = new AtomicInteger();
        Measurement measurement = Load.run("test", 8, 200, Duration.ofMinutes(1), number -> {
            sent.incrementAndGet();
            if (number == 7) {
                throw new IllegalStateException("request 7 failed");
            }
        });

        assertThat(sent).hasValue(200);
        assertThat(measurement.requests()).isEqualTo(200);
        assertThat(measurement.errors()).isEqualTo(1);
        assertThat(measurement.firstError()).contains("request 7 failed");
    }
}
