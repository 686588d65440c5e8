package dev.asterism.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Prints rows as columns padded to their widest cell, two spaces apart, like {@code kubectl get}. A list in a cell prints
 * comma-separated. Empty cells print as {@code -} so that every row keeps the same number of words for {@code awk} and {@code cut}.
 */
final class Table {

    private static final String EMPTY_CELL = "-";
    private static final String GAP = "  ";

    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    private Table(List<String> headers) {
        this.headers = headers;
    }

    /** A table with a header line. */
    static Table withHeaders(String... headers) {
        return new Table(List.of(headers));
    }

    /** Two columns, field name and value, without a header: the detail view of one object. */
    static Table fields() {
        return new Table(List.of());
    }

    Table row(Object... cells) {
        rows.add(Arrays.stream(cells).map(Table::cell).toList());
        return this;
    }

    /** Prints the table, or {@code whenEmpty} (such as "no VMs") when it has no rows. */
    void print(PrintWriter out, String whenEmpty) {
        if (rows.isEmpty()) {
            out.println(whenEmpty);
            out.flush();
            return;
        }
        List<List<String>> lines = new ArrayList<>();
        if (!headers.isEmpty()) {
            lines.add(headers);
        }
        lines.addAll(rows);
        int columns = lines.stream().mapToInt(List::size).max().orElse(0);
        int[] widths = new int[columns];
        for (List<String> line : lines) {
            for (int column = 0; column < line.size(); column++) {
                widths[column] = Math.max(widths[column], line.get(column).length());
            }
        }
        for (List<String> line : lines) {
            out.println(format(line, widths));
        }
        out.flush();
    }

    private static String format(List<String> line, int[] widths) {
        StringBuilder text = new StringBuilder();
        for (int column = 0; column < line.size(); column++) {
            String cell = line.get(column);
            text.append(cell);
            // The last column is not padded: trailing spaces only get in the way of scripts.
            if (column < line.size() - 1) {
                text.append(" ".repeat(widths[column] - cell.length())).append(GAP);
            }
        }
        return text.toString();
    }

    private static String cell(Object value) {
        if (value == null) {
            return EMPTY_CELL;
        }
        String text = String.valueOf(value);
        if (value instanceof Collection<?> items) {
            text = items.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
        if (text.isBlank()) {
            return EMPTY_CELL;
        }
        // A newline inside a cell would break the alignment of every row below it.
        return text.replace('\n', ' ').replace('\r', ' ');
    }
}
