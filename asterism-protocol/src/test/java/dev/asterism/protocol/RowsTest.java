package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RowsTest {

    @Test
    void rows_read_back_as_written_with_tabs_and_line_breaks_in_fields_made_spaces() {
        List<List<String>> rows = List.of(Rows.row("w1", "idle", "", 2),
                Rows.row("w2", "down", "member w2\tleft\nthe constellation", 2));

        assertThat(Rows.decode(Rows.encode(rows), 4)).containsExactly(List.of("w1", "idle", "", "2"),
                List.of("w2", "down", "member w2 left the constellation", "2"));
    }

    @Test
    void no_rows_and_lines_of_another_width_read_as_nothing() {
        assertThat(Rows.decode(Rows.encode(List.of()), 4)).isEmpty();
        assertThat(Rows.decode("a\tb\nc\td\te\tf", 4)).containsExactly(List.of("c", "d", "e", "f"));
    }
}
