package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columns_are_padded_to_their_widest_cell_and_lines_have_no_trailing_spaces() {
        String printed = print(Table.withHeaders("NAME", "STATE", "REASON")
                .row("controller-1", "RUNNING", null)
                .row("w2", "FAILED", "out of disk"));

        assertThat(printed.lines()).containsExactly(
                "NAME          STATE    REASON",
                "controller-1  RUNNING  -",
                "w2            FAILED   out of disk");
    }

    @Test
    void an_empty_table_prints_the_given_sentence_instead() {
        assertThat(print(Table.withHeaders("NAME"))).isEqualTo("no VMs\n");
    }

    @Test
    void lists_print_comma_separated_and_empty_lists_as_a_dash() {
        String printed = print(Table.fields().row("addresses", List.of("10.0.0.1", "10.0.0.2")).row("tags", List.of()));

        assertThat(printed.lines()).containsExactly("addresses  10.0.0.1,10.0.0.2", "tags       -");
    }

    private static String print(Table table) {
        StringWriter text = new StringWriter();
        table.print(new PrintWriter(text), "no VMs");
        return text.toString();
    }
}
