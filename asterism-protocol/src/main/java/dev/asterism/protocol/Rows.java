package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A table in one command result: one row per line, fields separated by tabs. A tab, a line break or another control
 * character inside a field becomes a space, so every row reads back with as many fields as it was written with.
 */
public final class Rows {
    private Rows() {
    }

    /** The rows as one text. */
    public static String encode(List<List<String>> rows) {
        requireNonNull(rows, "rows is null");
        return rows.stream()
                .map(row -> row.stream().map(field -> field.replaceAll("\\p{Cntrl}", " "))
                        .collect(Collectors.joining("\t")))
                .collect(Collectors.joining("\n"));
    }

    /** The rows of {@link #encode}'s text, each with exactly {@code fields} fields; other lines are dropped. */
    public static List<List<String>> decode(String text, int fields) {
        requireNonNull(text, "text is null");
        List<List<String>> rows = new ArrayList<>();
        for (String line : text.split("\n", -1)) {
            String[] parts = line.split("\t", -1);
            if (!line.isEmpty() && parts.length == fields) {
                rows.add(List.of(parts));
            }
        }
        return List.copyOf(rows);
    }

    /** One row. */
    public static List<String> row(Object... fields) {
        return Arrays.stream(fields).map(String::valueOf).toList();
    }
}
