package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent jar as installed in a VM image, `java -jar asterism-agent.jar`: it starts, and it carries its guest
 * platforms (a shaded jar without the ServiceLoader entries would have none). The reactor builds it before this
 * module's tests run.
 */
class AgentJarTest {
    private static final Path JAR = Path.of("..", "asterism-agent", "target", "asterism-agent.jar");

    @Test
    void the_agent_jar_runs_and_names_the_guest_platforms_it_carries(@TempDir Path directory) throws Exception {
        assertThat(JAR).as("the agent jar: build it with `mvn -o package -pl asterism-agent -am -DskipTests`").exists();
        Path bootstrap = directory.resolve("bootstrap.properties");
        Files.writeString(bootstrap, "vmId=jar-test-vm\nserverUrl=wss://127.0.0.1:1/agent/v1\ncaFingerprint="
                + "0".repeat(64) + "\nregistrationToken=unused\nplatform=no-such-platform\n");
        String java = ProcessHandle.current().info().command().orElse("java");
        Process process = new ProcessBuilder(java, "-jar", JAR.toString(), "--state",
                directory.resolve("state").toString(), "--bootstrap", bootstrap.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isEqualTo(2);
        assertThat(output).contains("no guest platform 'no-such-platform' in this agent; it has [sim, linux, windows]")
                .doesNotContain("\tat ");
        assertThat(directory.resolve("state")).as("nothing kept from a refused first start").doesNotExist();
    }
}
