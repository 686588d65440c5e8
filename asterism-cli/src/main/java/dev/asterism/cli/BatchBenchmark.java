package dev.asterism.cli;

import static dev.asterism.cli.DesktopBenchmark.await;
import static dev.asterism.cli.DesktopBenchmark.seconds;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How soon a member runs batch jobs, on the netns realm (real Slurm and munge in the hosts): members are added one
 * at a time, each timed from the request to READY and from READY to its node being idle in Slurm (as the API reads
 * it); then {@code srun -N2 true}, run on the first member, is timed again and again. Everything runs on this
 * machine, in namespaces of its own (prefix {@code astbb}).
 */
final class BatchBenchmark {
    private static final String PASSWORD = "batch-benchmark-password";
    private static final String PREFIX = "astbb";

    private final int members;
    private final int steps;
    private final PrintWriter out;
    private final HttpClient http = HttpClient.newHttpClient();

    BatchBenchmark(int members, int steps, PrintWriter out) {
        this.members = members;
        this.steps = steps;
        this.out = out;
    }

    void run() throws Exception {
        LinuxPackages.requireInstalled();
        NetnsHosts hosts = new NetnsHosts(PREFIX);
        hosts.removeLeftovers();
        Path data = Files.createTempDirectory("asterism-bench-batch-");
        try (AsterismServer server = AsterismServer.start(ServerConfig.defaults(data.resolve("server")).withPort(0)
                .withAgentPort(0).withRealm("netns", "zero").withNetnsPrefix(PREFIX).withAdminPassword(PASSWORD),
                Clock.systemUTC(), PasswordHasher.DEFAULT)) {
            String url = server.url();
            String admin = TunnelBenchmark.call(http, url, "POST", "/auth/tokens", null, Map.of("username", "admin",
                    "password", PASSWORD, "name", "bench-batch")).get("token").asText();
            long start = System.nanoTime();
            TunnelBenchmark.call(http, url, "POST", "/constellations", admin, Map.of("name", "bench", "brick",
                    "controller"));
            await("the constellation ACTIVE", () -> get(url, admin, "/constellations/bench").get("state").asText()
                    .equals("ACTIVE"));
            out.printf("Batch nodes on the netns realm: a constellation ACTIVE in %.1f s; %d members added one at a"
                    + " time.%n%n", seconds(start), members);
            out.println("| member | add → READY | READY → node idle |");
            out.println("|--------|------------:|------------------:|");
            for (int index = 1; index <= members; index++) {
                String name = "w" + index;
                start = System.nanoTime();
                TunnelBenchmark.call(http, url, "POST", "/constellations/bench/members", admin, Map.of("brick",
                        "worker", "names", List.of(name)));
                await(name + " READY", () -> phaseOf(url, admin, name).equals("READY"));
                double ready = seconds(start);
                start = System.nanoTime();
                await(name + " idle in Slurm", () -> nodeState(url, admin, name).equals("idle"));
                out.printf("| %-6s | %9.2f s | %15.2f s |%n", name, ready, seconds(start));
                out.flush();
            }
            if (members >= 2) {
                String vmId = TunnelBenchmark.call(http, url, "GET", "/vms/bench-w1", admin, null).get("id").asText();
                HostCommands w1 = hosts.find(vmId).orElseThrow().commands();
                double[] latencies = new double[steps];
                for (int step = 0; step < steps; step++) {
                    long began = System.nanoTime();
                    HostCommands.Result ran = w1.run(List.of("srun", "-N2", "true"), null, Map.of(),
                            Duration.ofMinutes(1));
                    latencies[step] = seconds(began);
                    if (!ran.succeeded()) {
                        throw new IllegalStateException("srun -N2 true failed: " + ran.printed());
                    }
                }
                Arrays.sort(latencies);
                out.printf("%n`srun -N2 true` on w1, %d times: p50 %.3f s, p90 %.3f s, max %.3f s%n", steps,
                        latencies[steps / 2], latencies[Math.min(steps - 1, (int) Math.ceil(steps * 0.9) - 1)],
                        latencies[steps - 1]);
            }
            out.flush();
        } finally {
            hosts.removeLeftovers();
            TunnelBenchmark.deleteRecursively(data);
        }
    }

    private String phaseOf(String url, String token, String member) {
        for (JsonNode node : get(url, token, "/constellations/bench").get("members")) {
            if (node.get("name").asText().equals(member)) {
                return node.get("phase").asText();
            }
        }
        return "";
    }

    private String nodeState(String url, String token, String member) {
        for (JsonNode node : get(url, token, "/constellations/bench/batch").get("nodes")) {
            if (node.get("name").asText().equals(member)) {
                return node.get("state").asText();
            }
        }
        return "";
    }

    private JsonNode get(String url, String token, String path) {
        try {
            return TunnelBenchmark.call(http, url, "GET", path, token, null);
        } catch (Exception e) {
            throw new IllegalStateException("GET " + path + ": " + e.getMessage(), e);
        }
    }
}
