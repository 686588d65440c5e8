package dev.asterism.store;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** A flat JSON object of strings, for audit details: readable in the database, no JSON library needed. */
final class FlatJson {
    private FlatJson() {}

    static String write(Map<String, String> values) {
        StringBuilder out = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, String> entry : new TreeMap<>(values).entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            quote(out, entry.getKey());
            out.append(':');
            quote(out, entry.getValue());
        }
        return out.append('}').toString();
    }

    static Map<String, String> read(String json) {
        Map<String, String> values = new LinkedHashMap<>();
        int[] position = {skip(json, 0)};
        expect(json, position, '{');
        if (json.charAt(skip(json, position[0])) == '}') {
            return values;
        }
        while (true) {
            String key = string(json, position);
            expect(json, position, ':');
            values.put(key, string(json, position));
            position[0] = skip(json, position[0]);
            char next = json.charAt(position[0]++);
            if (next == '}') {
                return values;
            }
            if (next != ',') {
                throw new IllegalArgumentException("malformed details at " + position[0]);
            }
        }
    }

    private static void quote(StringBuilder out, String value) {
        out.append('"');
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static String string(String json, int[] position) {
        expect(json, position, '"');
        StringBuilder value = new StringBuilder();
        while (true) {
            char c = json.charAt(position[0]++);
            if (c == '"') {
                return value.toString();
            }
            if (c != '\\') {
                value.append(c);
                continue;
            }
            char escaped = json.charAt(position[0]++);
            switch (escaped) {
                case 'n' -> value.append('\n');
                case 'r' -> value.append('\r');
                case 't' -> value.append('\t');
                case 'u' -> {
                    value.append((char) Integer.parseInt(json.substring(position[0], position[0] + 4), 16));
                    position[0] += 4;
                }
                default -> value.append(escaped);
            }
        }
    }

    private static void expect(String json, int[] position, char expected) {
        position[0] = skip(json, position[0]);
        if (json.charAt(position[0]) != expected) {
            throw new IllegalArgumentException("malformed details: expected '" + expected + "' at " + position[0]);
        }
        position[0]++;
    }

    private static int skip(String json, int position) {
        while (position < json.length() && Character.isWhitespace(json.charAt(position))) {
            position++;
        }
        return position;
    }
}
