package dev.asterism.cli;

import java.time.Duration;

/** Short human forms of durations, the same ones {@code --timeout} accepts: {@code 3s}, {@code 2m5s}, {@code 1h}. */
final class Durations {

    private Durations() {}

    static String format(Duration duration) {
        if (duration.toSeconds() == 0 && duration.toMillis() > 0) {
            return duration.toMillis() + "ms";
        }
        StringBuilder text = new StringBuilder();
        appendPart(text, duration.toHours(), "h");
        appendPart(text, duration.toMinutesPart(), "m");
        appendPart(text, duration.toSecondsPart(), "s");
        if (text.isEmpty()) {
            return "0s";
        }
        return text.toString();
    }

    private static void appendPart(StringBuilder text, long amount, String unit) {
        if (amount > 0) {
            text.append(amount).append(unit);
        }
    }
}
