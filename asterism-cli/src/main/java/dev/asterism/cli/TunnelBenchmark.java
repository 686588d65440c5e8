package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.cli.tunnel.LocalListener;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.tunnel.TunnelSettings;
import dev.asterism.testing.LoopbackEcho;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code bench tunnel}: what a tunnel costs against a direct loopback connection. A server in this process on the
 * sim realm (its agents are real agents, in this process, on the real TLS agent channel) tunnels to a sink and an
 * echo service on loopback; the same services are also reached directly. The tunnel path is the whole of
 * {@code asterism connect}: local listener, WebSocket to the server, agent channel, agent, service.
 */
final class TunnelBenchmark {
    private static final String PASSWORD = "tunnel-benchmark-password";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final long megabytes;
    private final List<Integer> tunnelCounts;
    private final int pings;
    private final PrintWriter out;

    TunnelBenchmark(long megabytes, List<Integer> tunnelCounts, int pings, PrintWriter out) {
        this.megabytes = megabytes;
        this.tunnelCounts = List.copyOf(tunnelCounts);
        this.pings = pings;
        this.out = out;
    }

    void run() throws Exception {
        Path data = Files.createTempDirectory("asterism-bench-tunnel-");
        try (ServerSocket sink = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
                LoopbackEcho echo = LoopbackEcho.start()) {
            Thread.ofPlatform().daemon().start(() -> serve(sink, TunnelBenchmark::drain));
            int most = tunnelCounts.stream().mapToInt(Integer::intValue).max().orElse(1);
            try (AsterismServer server = AsterismServer.start(ServerConfig.defaults(data).withPort(0)
                    .withAgentPort(0).withRealm("sim", "zero").withAdminPassword(PASSWORD)
                    .withTunnels(new TunnelSettings(Set.of(sink.getLocalPort(), echo.port()), most + 1,
                            Duration.ofMinutes(10))), Clock.systemUTC(), PasswordHasher.DEFAULT)) {
                String token = prepare(server.url());
                out.println("Tunnel vs direct loopback: " + megabytes + " MiB per row, sent to a sink that"
                        + " discards it (throughput), then " + pings + " one-byte round trips to an echo (latency).");
                out.println();
                out.println("| path   | tunnels | MiB total | seconds |  MiB/s | tunnel/direct |");
                out.println("|--------|--------:|----------:|--------:|-------:|--------------:|");
                for (int count : tunnelCounts) {
                    double direct = throughput(sink.getLocalPort(), count);
                    try (LocalListener listener = listener(server.url(), token, sink.getLocalPort())) {
                        throughput(listener.port(), count);
                        double tunnelled = throughput(listener.port(), count);
                        row("direct", count, direct, 1.0);
                        row("tunnel", count, tunnelled, tunnelled / direct);
                    }
                    out.flush();
                }
                out.println();
                long[] direct = roundTrips(echo.port());
                long[] tunnelled;
                try (LocalListener listener = listener(server.url(), token, echo.port())) {
                    roundTrips(listener.port());
                    tunnelled = roundTrips(listener.port());
                }
                out.println("| path   | round trips | p50 µs | p99 µs |");
                out.println("|--------|------------:|-------:|-------:|");
                out.printf("| direct | %11d | %6d | %6d |%n", pings, percentile(direct, 50), percentile(direct, 99));
                out.printf("| tunnel | %11d | %6d | %6d |%n", pings, percentile(tunnelled, 50),
                        percentile(tunnelled, 99));
                out.printf("Added by the tunnel: %d µs at p50.%n", percentile(tunnelled, 50) - percentile(direct, 50));
                out.flush();
            }
        } finally {
            deleteRecursively(data);
        }
    }

    private void row(String path, int tunnels, double megabytesPerSecond, double ratio) {
        out.printf("| %-6s | %7d | %9d | %7.2f | %6.0f | %13.2f |%n", path, tunnels, megabytes,
                megabytes / megabytesPerSecond, megabytesPerSecond, ratio);
    }

    /** A token for the admin, and a constellation {@code bench} with one READY member {@code w1}. */
    private static String prepare(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        JsonNode created = call(http, url, "POST", "/auth/tokens", null,
                Map.of("username", "admin", "password", PASSWORD, "name", "bench"));
        String token = created.get("token").asText();
        call(http, url, "POST", "/constellations", token, Map.of("name", "bench", "brick", "controller"));
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        boolean added = false;
        while (System.nanoTime() < deadline) {
            JsonNode constellation = call(http, url, "GET", "/constellations/bench", token, null);
            if (!added && constellation.get("state").asText().equals("ACTIVE")) {
                call(http, url, "POST", "/constellations/bench/members", token, Map.of("brick", "worker", "count", 1));
                added = true;
            }
            if (added && constellation.get("members").findValuesAsText("phase").equals(List.of("READY"))) {
                return token;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("the benchmark's member did not become READY within 2 minutes");
    }

    /** One API call as JSON; anything but a 2xx is an IllegalStateException with the answer. */
    static JsonNode call(HttpClient http, String url, String method, String path, String token, Object body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + "/api/v1" + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + path + ": " + response.statusCode() + " " + response.body());
        }
        return response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
    }

    private static LocalListener listener(String url, String token, int port) throws IOException {
        return new LocalListener(0, URI.create(url.replaceFirst("^http", "ws")
                + "/api/v1/constellations/bench/members/w1/tunnel?port=" + port), token, line -> { });
    }

    /** MiB/s of {@code count} connections at once, each sending its share and waiting for the sink's receipt. */
    private double throughput(int port, int count) throws Exception {
        long share = megabytes * 1024 * 1024 / count;
        byte[] chunk = new byte[64 * 1024];
        Arrays.fill(chunk, (byte) 7);
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            List<Future<Void>> running = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                running.add(threads.submit((Callable<Void>) () -> {
                    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                        OutputStream output = socket.getOutputStream();
                        for (long sent = 0; sent < share; sent += chunk.length) {
                            output.write(chunk, 0, (int) Math.min(chunk.length, share - sent));
                        }
                        socket.shutdownOutput();
                        if (socket.getInputStream().read() != 1) {
                            throw new IOException("the sink did not confirm");
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> one : running) {
                one.get();
            }
            return megabytes / ((System.nanoTime() - start) / 1e9);
        }
    }

    private long[] roundTrips(int port) throws IOException {
        long[] micros = new long[pings];
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setTcpNoDelay(true);
            OutputStream output = socket.getOutputStream();
            InputStream input = socket.getInputStream();
            for (int i = 0; i < pings; i++) {
                long start = System.nanoTime();
                output.write(i & 0x7f);
                output.flush();
                if (input.read() < 0) {
                    throw new IOException("the echo closed");
                }
                micros[i] = (System.nanoTime() - start) / 1000;
            }
        }
        Arrays.sort(micros);
        return micros;
    }

    private static long percentile(long[] sorted, int percent) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percent / 100.0 * sorted.length) - 1)];
    }

    private interface Service {
        void handle(Socket socket) throws IOException;
    }

    private static void serve(ServerSocket server, Service service) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (socket) {
                        socket.setTcpNoDelay(true);
                        service.handle(socket);
                    } catch (IOException ignored) {
                        // One connection ended early; its row reports the error.
                    }
                });
            } catch (IOException closed) {
                return;
            }
        }
    }

    private static void drain(Socket socket) throws IOException {
        InputStream input = socket.getInputStream();
        byte[] buffer = new byte[64 * 1024];
        while (input.read(buffer) >= 0) {
            // Discarded: the sink only counts time.
        }
        socket.getOutputStream().write(1);
        socket.shutdownOutput();
    }

    static void deleteRecursively(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> {
                try {
                    Files.delete(path);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
