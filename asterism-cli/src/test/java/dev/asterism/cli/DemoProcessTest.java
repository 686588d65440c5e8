package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `asterism demo` as its own process: it starts, prints what to do, stops on SIGTERM, and keeps its data. */
class DemoProcessTest {
    private static final Pattern URL = Pattern.compile("running at (http://\\S+)");
    private static final Pattern PASSWORD = Pattern.compile("user 'admin', password (\\S+)");

    record Demo(Process process, List<String> output, String url) {}

    private static Demo startDemo(Path data) throws IOException {
        return startDemo(data, List.of("--realm", "sim", "--sim-delays", "zero"));
    }

    private static Demo startDemo(Path data, List<String> realmArguments) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.asterism.cli.Main", "demo", "--port", "0", "--agent-port", "0", "--data", data.toString());
        builder.command().addAll(realmArguments);
        builder.environment().remove("ASTERISM_ADMIN_PASSWORD");
        builder.redirectErrorStream(true);
        Process process = builder.start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String url = null;
        String line;
        while ((line = reader.readLine()) != null) {
            output.add(line);
            Matcher matcher = URL.matcher(line);
            if (matcher.find()) {
                url = matcher.group(1);
            }
            if (line.startsWith("Press Ctrl-C")) {
                break;
            }
        }
        assertThat(url).as("demo output: %s", output).isNotNull();
        Thread.ofVirtual().start(() -> reader.lines().forEach(output::add));
        return new Demo(process, output, url);
    }

    private static void stop(Demo demo) throws InterruptedException {
        demo.process().destroy();
        assertThat(demo.process().waitFor(30, TimeUnit.SECONDS)).as("demo stops on SIGTERM").isTrue();
    }

    private static int tokenStatus(String url, String password) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url + "/api/v1/auth/tokens"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"admin\",\"password\":\"" + password + "\"}"))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void demo_prints_the_next_steps_stops_cleanly_and_keeps_its_data_on_the_next_run(@TempDir Path data)
            throws Exception {
        Demo first = startDemo(data);
        String output = String.join("\n", first.output());
        assertThat(output).contains("DEMO on the sim realm").contains("./asterism login --server " + first.url())
                .contains("./asterism vm start --brick worker --name w1");
        Matcher password = PASSWORD.matcher(output);
        assertThat(password.find()).as(output).isTrue();
        assertThat(tokenStatus(first.url(), password.group(1))).isEqualTo(201);
        stop(first);

        Demo second = startDemo(data);
        try {
            assertThat(String.join("\n", second.output())).contains("password as set when this data directory was created");
            assertThat(tokenStatus(second.url(), password.group(1))).isEqualTo(201);
        } finally {
            stop(second);
        }
    }

    @Test
    void a_taken_port_is_a_one_line_error(@TempDir Path data) throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String java = ProcessHandle.current().info().command().orElse("java");
            Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                    "dev.asterism.cli.Main", "demo", "--port", String.valueOf(taken.getLocalPort()), "--agent-port", "0", "--data",
                    data.toString(), "--realm", "sim").redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isEqualTo(1);
            assertThat(output).contains("error: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .contains("--port").doesNotContain("\tat ");
        }
    }

    @Test
    void a_libvirt_realm_whose_hosts_all_fail_to_answer_is_a_one_line_error(@TempDir Path data) throws Exception {
        Path brick = Files.createDirectories(data.resolve("brick"));
        for (String file : List.of("rootfs.raw", "vmlinuz", "initrd.img")) {
            Files.writeString(brick.resolve(file), "");
        }
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.asterism.cli.Main", "demo", "--port", "0", "--agent-port", "0", "--data", data.toString(),
                "--realm", "libvirt", "--qemu-brick", brick.toString(),
                "--libvirt-host", "rack1=qemu+unix:///system?socket=/nonexistent/libvirt-sock")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output).contains("error: no libvirt host answers: cannot reach libvirt host rack1 at"
                + " qemu+unix:///system?socket=/nonexistent/libvirt-sock: ").contains("is libvirtd running there?")
                .doesNotContain("\tat ");
    }

    @Test
    void a_directory_that_is_not_a_brick_is_a_one_line_error(@TempDir Path data) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.asterism.cli.Main", "demo", "--port", "0", "--agent-port", "0", "--data", data.toString(),
                "--realm", "qemu", "--qemu-brick", data.toString()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(1);
        assertThat(output).contains("error: the brick's rootfs.raw is missing in " + data)
                .contains("asterism brick build linux").doesNotContain("\tat ");
    }

    @Test
    void on_the_netns_realm_the_demo_makes_a_constellation_and_prints_commands_that_work_as_a_domain_user(
            @TempDir Path data) throws Exception {
        LinuxPackages.requireInstalled();
        NetnsHosts hosts = new NetnsHosts("astdemo");
        hosts.removeLeftovers();
        try {
            Demo demo = startDemo(data, List.of("--realm", "netns", "--netns-prefix", "astdemo"));
            try {
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
                String printed = String.join("\n", demo.output());
                while (!printed.contains("The file share is") && System.nanoTime() < deadline
                        && demo.process().isAlive()) {
                    Thread.sleep(500);
                    printed = String.join("\n", List.copyOf(demo.output()));
                }
                assertThat(printed).as("the demo's output").contains("DEMO on the netns realm")
                        .contains("w1         READY").contains("w2         READY").contains("The file share is");
                String command = printed.lines().filter(line -> line.startsWith("  w1:  ")).findFirst().orElseThrow()
                        .substring("  w1:  ".length());
                Process asUser = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
                String output = new String(asUser.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(asUser.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(output).as("the printed command for w1").contains("researcher@DEMO.ASTERISM.TEST")
                        .contains("blocks available").doesNotContain("NT_STATUS_");
            } finally {
                stop(demo);
            }
        } finally {
            hosts.removeLeftovers();
        }
    }
}
