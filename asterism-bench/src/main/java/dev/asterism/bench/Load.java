package dev.asterism.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sends a fixed number of requests from a fixed number of virtual threads, each thread sending its next request as
 * soon as the previous one is answered (a closed loop: the load adapts to the server, and the latency is the
 * server's, not a queue's in front of it).
 */
final class Load {

    /** One request; numbered from 0, so that a request can pick a unique name or a user by its number. */
    @FunctionalInterface
    interface Request {
        /** @throws Exception when the request failed; its message goes into the report */
        void send(int number) throws Exception;
    }

    private Load() {}

    /**
     * Sends {@code requests} requests over {@code concurrency} threads. Stops sending once {@code timeLimit} has
     * passed, so that a server that hangs cannot hold the benchmark forever; what was not sent is not counted.
     */
    static Measurement run(String operation, int concurrency, int requests, Duration timeLimit, Request request) {
        if (concurrency < 1 || requests < 0) {
            throw new IllegalArgumentException("need concurrency >= 1 and requests >= 0, not " + concurrency + " and "
                    + requests);
        }
        long[] latencies = new long[requests];
        Arrays.fill(latencies, -1);
        AtomicInteger next = new AtomicInteger();
        AtomicInteger sent = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        long deadline = start + timeLimit.toNanos();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int thread = 0; thread < concurrency; thread++) {
                threads.execute(() -> {
                    for (int number = next.getAndIncrement(); number < requests && System.nanoTime() < deadline;
                            number = next.getAndIncrement()) {
                        sent.incrementAndGet();
                        long begin = System.nanoTime();
                        try {
                            request.send(number);
                            latencies[number] = System.nanoTime() - begin;
                        } catch (Exception e) {
                            firstError.compareAndSet(null, describe(e));
                        }
                    }
                });
            }
        }
        // Closing the executor waited for every thread, which also makes their writes to latencies visible here.
        long elapsed = System.nanoTime() - start;
        long[] successful = Arrays.stream(latencies).filter(latency -> latency >= 0).toArray();
        return new Measurement(operation, concurrency, sent.get(), elapsed, successful,
                Optional.ofNullable(firstError.get()));
    }

    private static String describe(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.getClass().getName() : message;
    }
}
