package dev.asterism.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rows of results, printed as a Markdown table with aligned columns: readable in a terminal and pasted as it is
 * into BENCHMARKS.md. The default columns are those of {@code bench api} (one database's load rows); other
 * benchmarks name their own.
 */
final class ResultTable {
    private static final List<String> API_HEADERS =
            List.of("database", "operation", "concurrency", "requests", "req/s", "p50 ms", "p99 ms", "errors");
    private static final List<Boolean> API_RIGHT_ALIGNED = List.of(false, false, true, true, true, true, true, true);

    private final List<String> headers;
    // Numbers are right-aligned, words left-aligned.
    private final List<Boolean> rightAligned;
    private final List<List<String>> rows = new ArrayList<>();

    /** A table with the columns of {@code bench api}, filled by {@link #add(String, Measurement)}. */
    ResultTable() {
        this(API_HEADERS, API_RIGHT_ALIGNED);
    }

    /** A table with these columns, filled by {@link #addRow(List)}; {@code rightAligned} marks number columns. */
    ResultTable(List<String> headers, List<Boolean> rightAligned) {
        if (headers.size() != rightAligned.size()) {
            throw new IllegalArgumentException(headers.size() + " headers but " + rightAligned.size()
                    + " alignments");
        }
        this.headers = List.copyOf(headers);
        this.rightAligned = List.copyOf(rightAligned);
    }

    void addRow(List<String> cells) {
        if (cells.size() != headers.size()) {
            throw new IllegalArgumentException(cells.size() + " cells for " + headers.size() + " columns");
        }
        rows.add(List.copyOf(cells));
    }

    void add(String database, Measurement measurement) {
        addRow(List.of(database, measurement.operation(), Integer.toString(measurement.concurrency()),
                Integer.toString(measurement.requests()), format(measurement.requestsPerSecond()),
                format(measurement.percentileMillis(0.50)), format(measurement.percentileMillis(0.99)),
                Integer.toString(measurement.errors())));
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int column = 0; column < widths.length; column++) {
            widths[column] = headers.get(column).length();
            for (List<String> row : rows) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        out.println(line(headers, widths));
        List<String> rule = new ArrayList<>();
        for (int column = 0; column < widths.length; column++) {
            String dashes = "-".repeat(widths[column] - 1);
            if (rightAligned.get(column)) {
                rule.add(dashes + ":");
            } else {
                rule.add(dashes + "-");
            }
        }
        out.println("| " + String.join(" | ", rule) + " |");
        for (List<String> row : rows) {
            out.println(line(row, widths));
        }
        out.flush();
    }

    private String line(List<String> cells, int[] widths) {
        List<String> padded = new ArrayList<>();
        for (int column = 0; column < cells.size(); column++) {
            String cell = cells.get(column);
            String padding = " ".repeat(widths[column] - cell.length());
            if (rightAligned.get(column)) {
                padded.add(padding + cell);
            } else {
                padded.add(cell + padding);
            }
        }
        return "| " + String.join(" | ", padded) + " |";
    }

    /** Three significant digits are all a benchmark on a shared machine can claim. */
    static String format(double value) {
        if (Double.isNaN(value)) {
            return "-";
        }
        if (value >= 100) {
            return String.format(Locale.ROOT, "%.0f", value);
        }
        if (value >= 10) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%.2f", value);
    }
}
