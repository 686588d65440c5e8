package dev.asterism.bench;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The rows of one database's results, printed as a Markdown table with aligned columns: readable in a terminal
 * and pasted as it is into BENCHMARKS.md.
 */
final class ResultTable {
    private static final List<String> HEADERS =
            List.of("database", "operation", "concurrency", "requests", "req/s", "p50 ms", "p99 ms", "errors");
    // Numbers are right-aligned, words left-aligned.
    private static final List<Boolean> RIGHT_ALIGNED = List.of(false, false, true, true, true, true, true, true);

    private final List<List<String>> rows = new ArrayList<>();

    void add(String database, Measurement measurement) {
        rows.add(List.of(database, measurement.operation(), Integer.toString(measurement.concurrency()),
                Integer.toString(measurement.requests()), format(measurement.requestsPerSecond()),
                format(measurement.percentileMillis(0.50)), format(measurement.percentileMillis(0.99)),
                Integer.toString(measurement.errors())));
    }

    void print(PrintWriter out) {
        int[] widths = new int[HEADERS.size()];
        for (int column = 0; column < widths.length; column++) {
            widths[column] = HEADERS.get(column).length();
            for (List<String> row : rows) {
                widths[column] = Math.max(widths[column], row.get(column).length());
            }
        }
        out.println(line(HEADERS, widths));
        List<String> rule = new ArrayList<>();
        for (int column = 0; column < widths.length; column++) {
            String dashes = "-".repeat(widths[column] - 1);
            if (RIGHT_ALIGNED.get(column)) {
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

    private static String line(List<String> cells, int[] widths) {
        List<String> padded = new ArrayList<>();
        for (int column = 0; column < cells.size(); column++) {
            String cell = cells.get(column);
            String padding = " ".repeat(widths[column] - cell.length());
            if (RIGHT_ALIGNED.get(column)) {
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
