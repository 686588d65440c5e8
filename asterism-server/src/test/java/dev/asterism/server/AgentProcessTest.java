package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent program in a process of its own (`java dev.asterism.agent.AgentMain`, the main class of
 * asterism-agent.jar), started with the bootstrap data the realm gave its VM: it registers over TLS and the VM
 * becomes RUNNING; it stops on SIGTERM; a second agent with the same one-time token is refused and
 * exits 3. The sim realm is told not to boot its in-process agents, so the only agent is the separate process.
 */
class AgentProcessTest {
    @TempDir
    Path directory;

    private TestServer server;
    private Process agent;

    @AfterEach
    void stop() throws InterruptedException {
        if (agent != null && agent.isAlive()) {
            agent.destroyForcibly().waitFor();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void an_agent_process_registers_its_vm_stops_on_sigterm_and_a_reused_token_is_refused() throws Exception {
        server = TestServer.start();
        Path bootstrap = directory.resolve("bootstrap.properties");
        try (Writer writer = Files.newBufferedWriter(bootstrap)) {
            server.bootstrapOfVmWithoutAgent("solo").store(writer, null);
        }

        agent = startAgent(directory.resolve("state"), bootstrap);
        server.awaitVmState(server.admin, "solo", "RUNNING");
        agent.destroy();
        assertThat(agent.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(agent.exitValue()).as("stopped by SIGTERM, as any JVM: 128 + 15").isEqualTo(143);

        Process second = startAgent(directory.resolve("another-state"), bootstrap);
        assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(second.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(second.exitValue()).as(output).isEqualTo(3);
        assertThat(output).contains("refused the registration").doesNotContain("\tat ");
        assertThat(server.admin.get("/audit?action=vm.registration-refused").expect(200).json()).isNotEmpty();
    }

    @Test
    void without_state_or_bootstrap_data_the_agent_says_what_to_give_it() throws Exception {
        Process process = startAgent(directory.resolve("empty"), null);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.exitValue()).isEqualTo(2);
        assertThat(output).contains("--bootstrap FILE").doesNotContain("\tat ");
    }

    private static Process startAgent(Path state, Path bootstrap) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        ProcessBuilder builder = bootstrap == null
                ? new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.asterism.agent.AgentMain",
                        "--state", state.toString())
                : new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.asterism.agent.AgentMain",
                        "--state", state.toString(), "--bootstrap", bootstrap.toString());
        return builder.redirectErrorStream(true).start();
    }
}
