package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.cli.FakeAsterismServer.RecordedRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoginTest {

    private static final String TOKEN_CREATED = """
            {"id": "tok-1", "name": "laptop", "token": "s3cret-token", "createdAt": "2030-01-01T00:00:00Z"}
            """;

    @TempDir
    Path temporary;

    private FakeAsterismServer server;
    private Path configDirectory;

    @BeforeEach
    void startServer() throws IOException {
        server = FakeAsterismServer.start().respond("POST", "/auth/tokens", 201, TOKEN_CREATED);
        configDirectory = temporary.resolve("config").resolve("asterism");
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void login_stores_the_credentials_in_a_file_only_the_owner_can_read() throws IOException {
        CliRunner.Result result = new CliRunner(configDirectory)
                .withVariable("ASTERISM_PASSWORD", "hunter2")
                .run("login", "--server", server.url() + "/", "--user", "alice", "--token-name", "laptop");

        assertThat(result.exitCode()).isZero();
        Path file = configDirectory.resolve("credentials.json");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(configDirectory)))
                .isEqualTo("rwx------");
        JsonNode stored = new ObjectMapper().readTree(file.toFile());
        assertThat(stored.path("server").asText()).isEqualTo(server.url());
        assertThat(stored.path("username").asText()).isEqualTo("alice");
        assertThat(stored.path("token").asText()).isEqualTo("s3cret-token");
        assertThat(stored.path("tokenId").asText()).isEqualTo("tok-1");
    }

    @Test
    void without_asterism_config_dir_the_credentials_go_under_xdg_config_home() {
        Path xdgConfigHome = temporary.resolve("xdg");
        CliRunner cli = new CliRunner(configDirectory)
                .withoutVariable("ASTERISM_CONFIG_DIR")
                .withVariable("XDG_CONFIG_HOME", xdgConfigHome.toString())
                .withVariable("ASTERISM_PASSWORD", "hunter2");

        cli.run("login", "--server", server.url(), "--user", "alice");

        assertThat(xdgConfigHome.resolve("asterism").resolve("credentials.json")).exists();
    }

    @Test
    void without_any_config_variable_the_credentials_go_under_dot_config_in_the_home_directory() {
        CliRunner cli = new CliRunner(configDirectory)
                .withoutVariable("ASTERISM_CONFIG_DIR")
                .withVariable("ASTERISM_PASSWORD", "hunter2");

        cli.run("login", "--server", server.url(), "--user", "alice");

        assertThat(cli.homeDirectory().resolve(".config/asterism/credentials.json")).exists();
    }

    @Test
    void login_trades_the_password_for_a_token_without_sending_any_bearer_header() throws IOException {
        new CliRunner(configDirectory)
                .withVariable("ASTERISM_PASSWORD", "hunter2")
                .run("login", "--server", server.url(), "--user", "alice", "--token-name", "laptop");

        RecordedRequest request = server.requests("POST", "/auth/tokens").getFirst();
        assertThat(request.authorization()).isNull();
        JsonNode body = new ObjectMapper().readTree(request.body());
        assertThat(body.path("username").asText()).isEqualTo("alice");
        assertThat(body.path("password").asText()).isEqualTo("hunter2");
        assertThat(body.path("name").asText()).isEqualTo("laptop");
    }

    @Test
    void the_token_is_named_after_this_host_unless_a_name_is_given() throws IOException {
        new CliRunner(configDirectory)
                .withVariable("ASTERISM_PASSWORD", "hunter2")
                .run("login", "--server", server.url(), "--user", "alice");

        JsonNode body = new ObjectMapper().readTree(server.requests("POST", "/auth/tokens").getFirst().body());
        assertThat(body.path("name").asText()).startsWith("cli@").hasSizeGreaterThan("cli@".length());
    }

    @Test
    void commands_after_login_send_the_stored_token_as_a_bearer_header() {
        server.respond("GET", "/auth/whoami", 200, "{\"username\": \"alice\", \"role\": \"admin\"}");
        CliRunner cli = new CliRunner(configDirectory).withVariable("ASTERISM_PASSWORD", "hunter2");
        cli.run("login", "--server", server.url(), "--user", "alice");

        CliRunner.Result result = cli.run("whoami");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("alice").contains("admin").contains(server.url());
        assertThat(server.requests("GET", "/auth/whoami").getFirst().authorization())
                .isEqualTo("Bearer s3cret-token");
    }

    @Test
    void neither_the_password_nor_the_token_is_ever_printed() {
        server.respond("GET", "/auth/whoami", 200, "{\"username\": \"alice\", \"role\": \"admin\"}");
        CliRunner cli = new CliRunner(configDirectory).withVariable("ASTERISM_PASSWORD", "hunter2");

        CliRunner.Result login = cli.run("login", "--server", server.url(), "--user", "alice");
        CliRunner.Result whoami = cli.run("whoami", "--json");

        for (CliRunner.Result result : List.of(login, whoami)) {
            assertThat(result.out() + result.err()).doesNotContain("hunter2").doesNotContain("s3cret-token");
        }
    }

    @Test
    void without_a_terminal_the_password_is_read_from_one_line_of_standard_input() throws IOException {
        new CliRunner(configDirectory)
                .withStandardInput("from-stdin\nnext line\n")
                .run("login", "--server", server.url(), "--user", "alice");

        JsonNode body = new ObjectMapper().readTree(server.requests("POST", "/auth/tokens").getFirst().body());
        assertThat(body.path("password").asText()).isEqualTo("from-stdin");
    }

    @Test
    void on_a_terminal_the_password_is_asked_without_echo() throws IOException {
        new CliRunner(configDirectory)
                .withTerminal("typed-secret")
                .run("login", "--server", server.url(), "--user", "alice");

        JsonNode body = new ObjectMapper().readTree(server.requests("POST", "/auth/tokens").getFirst().body());
        assertThat(body.path("password").asText()).isEqualTo("typed-secret");
    }

    @Test
    void a_refused_login_reports_the_server_error_and_stores_nothing() {
        server.respond("POST", "/auth/tokens", 401, """
                {"error": "BAD_CREDENTIALS", "message": "wrong user name or password", "details": {}}
                """);

        CliRunner.Result result = new CliRunner(configDirectory)
                .withVariable("ASTERISM_PASSWORD", "wrong")
                .run("login", "--server", server.url(), "--user", "alice");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).isEqualTo("error: wrong user name or password (BAD_CREDENTIALS)\n");
        assertThat(configDirectory.resolve("credentials.json")).doesNotExist();
    }

    @Test
    void a_server_address_that_is_not_an_http_url_is_a_usage_error() {
        CliRunner.Result result = new CliRunner(configDirectory)
                .withVariable("ASTERISM_PASSWORD", "hunter2")
                .run("login", "--server", "ftp://example.org", "--user", "alice");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--server");
        assertThat(server.requests()).isEmpty();
    }
}
