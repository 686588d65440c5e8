package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.server.ServerConfig;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code asterism server --config FILE}: what the file says becomes the server's configuration, the command line
 * overrides it, and every line the server cannot take stops the start with the file, the line and the key named,
 * before anything is started.
 */
class ConfigFileTest {
    @TempDir
    Path directory;

    @Test
    void the_file_configures_the_server_and_the_command_line_overrides_it() throws Exception {
        Path data = directory.resolve("state");
        Path file = write("asterism.conf", """
                # Asterism on this host
                data = %s
                port = 9440   # a comment after the value
                agent-port = 9441
                bind = 127.0.0.2
                realm = sim
                sim-delays = zero
                tunnel-ports = 3389, 22
                tunnels-per-user = 4
                tunnel-idle-timeout = 10m
                trusted-proxy = 127.0.0.9
                """.formatted(data));

        ServerConfig config = configOf("server", "--config", file.toString(), "--port", "9000");

        assertThat(config.port()).as("the command line wins").isEqualTo(9000);
        assertThat(config.agentPort()).isEqualTo(9441);
        assertThat(config.bindAddress()).isEqualTo("127.0.0.2");
        assertThat(config.dataDirectory()).isEqualTo(data);
        assertThat(config.realm()).isEqualTo("sim");
        assertThat(config.simDelays()).isEqualTo("zero");
        assertThat(config.tunnels().ports()).containsExactlyInAnyOrder(3389, 22);
        assertThat(config.tunnels().perUser()).isEqualTo(4);
        assertThat(config.tunnels().idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(config.trustedProxies()).containsExactly("127.0.0.9");
        assertThat(configOf("server", "--config=" + file, "--tunnel-ports", "3389").tunnels().ports())
                .as("a list on the command line replaces the file's").containsExactly(3389);
        assertThat(configOf("server").port()).as("without a file, the defaults").isEqualTo(8440);
    }

    @Test
    void a_line_the_server_cannot_take_stops_the_start_naming_the_line_and_the_key() throws Exception {
        assertRefused("port = 8440\nprot = 8441\n", "line 2: unknown key 'prot'", "asterism server --help");
        assertRefused("port = eighty\n", "line 1: port: ", "'eighty'");
        assertRefused("port = 1\nport = 2\n", "line 2: port is set already on line 1");
        assertRefused("realm sim\n", "line 1: write 'key = value', not 'realm sim'");
        assertRefused("realm = sim\ndatabase-password = hunter2\n",
                "line 2: database-password does not belong in the configuration file", "database-password-file");
        assertRefused("tunnel-idle-timeout = soon\n", "line 1: tunnel-idle-timeout: ", "'soon'");
        CliRunner.Result missing = new CliRunner(directory.resolve("cli")).run("server", "--config",
                directory.resolve("nowhere.conf").toString());
        assertThat(missing.exitCode()).isEqualTo(ExitStatus.USAGE.code());
        assertThat(missing.err()).contains("nowhere.conf does not exist").doesNotContain("Exception");
        CliRunner.Result unnamed = new CliRunner(directory.resolve("cli")).run("server", "--config", "bad\u0000name");
        assertThat(unnamed.exitCode()).isEqualTo(ExitStatus.USAGE.code());
        assertThat(unnamed.err()).startsWith("error: ").contains("Nul character").doesNotContain("\tat ");
    }

    @Test
    void passwords_come_from_files_only_their_owner_may_read() throws Exception {
        Path secret = write("database-password", "s3cret-for-the-database\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Path file = write("asterism.conf", "database-url = jdbc:postgresql://127.0.0.1:5432/asterism\n"
                + "database-password-file = " + secret + "\n");

        CommandFailure open = org.assertj.core.api.Assertions.catchThrowableOfType(CommandFailure.class,
                () -> configOf("server", "--config", file.toString()));
        assertThat(open).hasMessageContaining("may be read by others").hasMessageContaining("chmod 600 " + secret);

        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        ServerConfig config = configOf("server", "--config", file.toString());
        assertThat(config.databasePassword()).isEqualTo("s3cret-for-the-database");
        assertThat(config.databaseUser()).isEqualTo("asterism");

        Path admin = write("admin-password", "");
        Files.setPosixFilePermissions(admin, Set.of(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
        assertThat(org.assertj.core.api.Assertions.catchThrowableOfType(CommandFailure.class,
                () -> configOf("server", "--admin-password-file", admin.toString()))).hasMessageContaining("is empty");
        Files.setPosixFilePermissions(admin, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(admin, "first-admin-password\n");
        assertThat(configOf("server", "--admin-password-file", admin.toString()).adminPassword())
                .isEqualTo("first-admin-password");
    }

    private void assertRefused(String content, String... expected) throws Exception {
        Path file = write("bad-" + System.nanoTime() + ".conf", content);
        CliRunner.Result result = new CliRunner(directory.resolve("cli")).run("server", "--config", file.toString());
        assertThat(result.exitCode()).as("exit code; err: %s", result.err()).isEqualTo(ExitStatus.USAGE.code());
        assertThat(result.err()).startsWith("error: " + file).contains(expected).doesNotContain("Exception");
    }

    private Path write(String name, String content) throws Exception {
        return Files.writeString(directory.resolve(name), content);
    }

    /** The configuration `asterism ARGS` would start a server with; nothing is started. */
    private ServerConfig configOf(String... args) {
        CliEnvironment environment = new CliEnvironment(Map.of(), directory.resolve("home"),
                new ByteArrayInputStream(new byte[0]), PasswordConsole.system(), Clock.systemUTC(), pause -> { });
        CommandLine commandLine = Main.newCommandLine(new AsterismCommand(environment), args);
        CommandLine.ParseResult parsed = commandLine.parseArgs(args);
        ServerCommand server = (ServerCommand) parsed.subcommand().commandSpec().userObject();
        return server.options.toConfig(environment, false, "sim");
    }
}
