package dev.asterism.server.http;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/** Counters and gauges in the Prometheus text format, without a metrics library. */
public final class Metrics {
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, String> help = new ConcurrentHashMap<>();
    private final Map<String, Supplier<Map<String, Double>>> gauges = new ConcurrentHashMap<>();

    /** Adds {@code amount} to the counter {@code name} with the labels (already formatted, e.g. {@code method="GET"}). */
    public void count(String name, String labels, long amount) {
        counters.computeIfAbsent(name + (labels.isEmpty() ? "" : "{" + labels + "}"), key -> new LongAdder()).add(amount);
    }

    public void describe(String name, String text) {
        help.put(name, text);
    }

    /** A gauge whose samples (labels to value) are read at every scrape. */
    public void gauge(String name, String text, Supplier<Map<String, Double>> samples) {
        help.put(name, text);
        gauges.put(name, samples);
    }

    public String scrape() {
        Map<String, StringBuilder> families = new TreeMap<>();
        counters.forEach((key, value) -> {
            String name = key.contains("{") ? key.substring(0, key.indexOf('{')) : key;
            families.computeIfAbsent(name, n -> header(n, "counter")).append(key).append(' ').append(value.sum()).append('\n');
        });
        gauges.forEach((name, samples) -> {
            StringBuilder family = families.computeIfAbsent(name, n -> header(n, "gauge"));
            samples.get().forEach((labels, value) -> family.append(name)
                    .append(labels.isEmpty() ? "" : "{" + labels + "}").append(' ').append(format(value)).append('\n'));
        });
        StringBuilder out = new StringBuilder();
        families.values().forEach(out::append);
        return out.toString();
    }

    private StringBuilder header(String name, String type) {
        return new StringBuilder("# HELP ").append(name).append(' ').append(help.getOrDefault(name, name)).append('\n')
                .append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
