package dev.asterism.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {

    @Test
    void a_table_with_its_own_columns_aligns_words_left_and_numbers_right() {
        ResultTable table = new ResultTable(List.of("phase", "mean ms"), List.of(false, true));
        table.addRow(List.of("REQUEST_VM", "3156"));
        table.addRow(List.of("JOIN", "77.0"));
        StringWriter text = new StringWriter();

        table.print(new PrintWriter(text));

        assertThat(text.toString()).isEqualTo("""
                | phase      | mean ms |
                | ---------- | ------: |
                | REQUEST_VM |    3156 |
                | JOIN       |    77.0 |
                """);
    }

    @Test
    void a_row_must_fill_every_column() {
        ResultTable table = new ResultTable(List.of("phase", "mean ms"), List.of(false, true));

        assertThatThrownBy(() -> table.addRow(List.of("JOIN"))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void percentiles_of_sorted_durations_use_the_nearest_rank() {
        long[] sorted = {1_000_000, 2_000_000, 3_000_000, 4_000_000};

        assertThat(Measurement.percentileMillis(sorted, 0.50)).isEqualTo(2.0);
        assertThat(Measurement.percentileMillis(sorted, 0.99)).isEqualTo(4.0);
        assertThat(Measurement.percentileMillis(new long[0], 0.50)).isNaN();
    }

    @Test
    void onboarding_settings_refuse_what_the_server_cannot_do() {
        assertThatThrownBy(() -> new OnboardingBenchmark.Settings(1, 246, "zero", ApiBenchmark.Database.H2, null, null,
                null, Duration.ofMinutes(1), "sim")).hasMessageContaining("members must be from 1 to 245");
        assertThatThrownBy(() -> new OnboardingBenchmark.Settings(1, 1, "slow", ApiBenchmark.Database.H2, null, null,
                null, Duration.ofMinutes(1), "sim")).hasMessageContaining("zero or realistic");
        assertThatThrownBy(() -> new OnboardingBenchmark.Settings(1, 1, "zero", ApiBenchmark.Database.H2,
                "jdbc:postgresql://127.0.0.1/x", "u", null, Duration.ofMinutes(1), "sim"))
                .hasMessageContaining("PostgreSQL");
        assertThatThrownBy(() -> new OnboardingBenchmark.Settings(1, 1, "zero", ApiBenchmark.Database.H2, null, null,
                null, Duration.ofMinutes(1), "qemu")).hasMessageContaining("--qemu-brick");
        assertThatThrownBy(() -> new OnboardingBenchmark.Settings(1, 1, "zero", ApiBenchmark.Database.H2, null, null,
                null, Duration.ofMinutes(1), "libvirt")).hasMessageContaining("sim, netns or qemu");
    }
}
