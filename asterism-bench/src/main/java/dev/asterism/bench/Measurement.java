package dev.asterism.bench;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Optional;

/**
 * What one load run measured: how many requests were sent and how long each successful one took.
 *
 * @param operation what was sent, such as {@code vm start}
 * @param concurrency how many requests were in flight at once
 * @param requests how many requests were sent, successful or not
 * @param elapsedNanos the wall time from the first request sent to the last answer received
 * @param latencyNanos the latency of each successful request, in no particular order
 * @param firstError what went wrong with the first failed request, when one failed
 */
public record Measurement(
        String operation,
        int concurrency,
        int requests,
        long elapsedNanos,
        long[] latencyNanos,
        Optional<String> firstError) {

    public Measurement {
        requireNonNull(operation, "operation is null");
        requireNonNull(firstError, "firstError is null");
        latencyNanos = latencyNanos.clone();
        Arrays.sort(latencyNanos);
        if (latencyNanos.length > requests) {
            throw new IllegalArgumentException("more latencies (" + latencyNanos.length + ") than requests (" + requests + ")");
        }
        if (elapsedNanos < 0) {
            throw new IllegalArgumentException("elapsedNanos must not be negative, not " + elapsedNanos);
        }
    }

    public int errors() {
        return requests - latencyNanos.length;
    }

    /** Requests answered per second of wall time, failed ones included. */
    public double requestsPerSecond() {
        if (elapsedNanos == 0) {
            return 0;
        }
        return requests * 1e9 / elapsedNanos;
    }

    /**
     * The latency below which a fraction {@code quantile} of the successful requests fell, by the nearest-rank
     * method: the p99 of 100 requests is the 99th fastest. NaN when no request succeeded.
     */
    public double percentileMillis(double quantile) {
        return percentileMillis(latencyNanos, quantile);
    }

    /**
     * The nearest-rank percentile of durations in nanoseconds that are sorted in ascending order, in milliseconds;
     * NaN when there are none.
     */
    static double percentileMillis(long[] sortedNanos, double quantile) {
        if (quantile <= 0 || quantile > 1) {
            throw new IllegalArgumentException("quantile must be in (0, 1], not " + quantile);
        }
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(quantile * sortedNanos.length);
        return sortedNanos[rank - 1] / 1e6;
    }

    @Override
    public long[] latencyNanos() {
        return latencyNanos.clone();
    }
}
