package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The commands that manage users, tokens, profiles, images, bricks and grants: one round trip each. */
class ResourceCommandsTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @TempDir
    Path configDirectory;

    private FakeAsterismServer server;
    private CliRunner cli;

    @BeforeEach
    void logIn() throws IOException {
        server = FakeAsterismServer.start();
        new CredentialStore(configDirectory).save(new Credentials(server.url(), "alice", "s3cret", "tok-1"));
        cli = new CliRunner(configDirectory);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void user_create_sends_the_password_from_the_environment_and_the_role_word() throws IOException {
        server.respond("POST", "/users", 201,
                "{\"username\": \"bob\", \"role\": \"super-admin\", \"createdAt\": \"2030-01-01T00:00:00Z\"}");

        CliRunner.Result result = cli.withVariable("ASTERISM_NEW_USER_PASSWORD", "b0b-pass")
                .run("user", "create", "bob", "--role", "super-admin");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("created user bob (super-admin)\n");
        assertThat(body("POST", "/users")).isEqualTo(mapper.readTree(
                "{\"username\": \"bob\", \"password\": \"b0b-pass\", \"role\": \"super-admin\"}"));
    }

    @Test
    void user_create_on_a_terminal_refuses_two_different_passwords_and_creates_nothing() {
        CliRunner.Result result = cli.withTerminal("first", "second").run("user", "create", "bob", "--role", "user");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("the two passwords differ");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void user_create_on_a_terminal_accepts_the_same_password_typed_twice() throws IOException {
        server.respond("POST", "/users", 201, "{\"username\": \"bob\", \"role\": \"user\"}");

        CliRunner.Result result = cli.withTerminal("same", "same").run("user", "create", "bob", "--role", "user");

        assertThat(result.exitCode()).isZero();
        assertThat(body("POST", "/users").path("password").asText()).isEqualTo("same");
    }

    @Test
    void user_list_prints_a_table() {
        server.respond("GET", "/users", 200, """
                [{"username": "alice", "role": "super-admin", "clearance": "cui", "createdAt": "2030-01-01T00:00:00Z"},
                 {"username": "bob", "role": "user", "clearance": "public", "createdAt": "2030-01-02T00:00:00Z"}]
                """);

        CliRunner.Result result = cli.run("user", "list");

        assertThat(result.out().lines()).containsExactly(
                "USERNAME  ROLE         CLEARANCE  CREATED",
                "alice     super-admin  cui        2030-01-01T00:00:00Z",
                "bob       user         public     2030-01-02T00:00:00Z");
    }

    @Test
    void token_list_marks_the_token_this_cli_uses() {
        server.respond("GET", "/tokens", 200, """
                [{"id": "tok-1", "name": "cli@laptop", "createdAt": "2030-01-01T00:00:00Z", "lastUsedAt": null},
                 {"id": "tok-2", "name": "ci", "createdAt": "2030-01-01T00:00:00Z", "lastUsedAt": null}]
                """);

        CliRunner.Result result = cli.run("token", "list");

        assertThat(result.out().lines().toList().get(1)).startsWith("tok-1").endsWith("*");
        assertThat(result.out().lines().toList().get(2)).startsWith("tok-2").endsWith("-");
    }

    @Test
    void profile_create_sends_the_numbers() throws IOException {
        server.respond("POST", "/profiles", 201,
                "{\"name\": \"small\", \"vcpus\": 2, \"memoryMib\": 2048, \"diskGib\": 20}");

        CliRunner.Result result =
                cli.run("profile", "create", "small", "--vcpus", "2", "--memory-mib", "2048", "--disk-gib", "20");

        assertThat(result.exitCode()).isZero();
        assertThat(body("POST", "/profiles")).isEqualTo(mapper.readTree(
                "{\"name\": \"small\", \"vcpus\": 2, \"memoryMib\": 2048, \"diskGib\": 20}"));
    }

    @Test
    void image_create_leaves_out_a_description_that_was_not_given() throws IOException {
        server.respond("POST", "/images", 201,
                "{\"name\": \"debian\", \"osFamily\": \"linux\", \"source\": \"debian-12.qcow2\"}");

        CliRunner.Result result = cli.run("image", "create", "debian", "--os", "linux", "--source", "debian-12.qcow2");

        assertThat(result.exitCode()).isZero();
        assertThat(body("POST", "/images")).isEqualTo(mapper.readTree(
                "{\"name\": \"debian\", \"osFamily\": \"linux\", \"source\": \"debian-12.qcow2\"}"));
    }

    @Test
    void brick_create_splits_the_capabilities_on_commas() throws IOException {
        server.respond("POST", "/bricks", 201, """
                {"name": "dc", "image": "debian", "profile": "small", "osFamily": "linux",
                 "capabilities": ["controller", "worker"]}
                """);

        CliRunner.Result result = cli.run(
                "brick", "create", "dc", "--image", "debian", "--profile", "small", "--capability", "controller,worker");

        assertThat(result.exitCode()).isZero();
        assertThat(body("POST", "/bricks").path("capabilities")).isEqualTo(mapper.readTree("[\"controller\",\"worker\"]"));
    }

    @Test
    void brick_show_prints_the_capabilities_comma_separated() {
        server.respond("GET", "/bricks/dc", 200, """
                {"name": "dc", "image": "debian", "profile": "small", "osFamily": "linux",
                 "capabilities": ["controller", "worker"]}
                """);

        CliRunner.Result result = cli.run("brick", "show", "dc");

        assertThat(result.out()).containsPattern("(?m)^capabilities +controller,worker$");
    }

    @Test
    void grant_set_puts_the_level_for_the_user_on_the_brick() throws IOException {
        server.respond("PUT", "/bricks/dc/grants/bob", 200, "{\"brick\": \"dc\", \"username\": \"bob\", \"level\": \"manage\"}");

        CliRunner.Result result = cli.run("grant", "set", "dc", "bob", "--level", "manage");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("granted manage on dc to bob\n");
        assertThat(body("PUT", "/bricks/dc/grants/bob")).isEqualTo(mapper.readTree("{\"level\": \"manage\"}"));
    }

    @Test
    void grant_revoke_deletes_the_grant() {
        server.respond("DELETE", "/bricks/dc/grants/bob", 204, "");

        CliRunner.Result result = cli.run("grant", "revoke", "dc", "bob");

        assertThat(result.exitCode()).isZero();
        assertThat(server.requests("DELETE", "/bricks/dc/grants/bob")).hasSize(1);
    }

    @Test
    void realm_list_json_is_the_server_response() throws IOException {
        String response = "[{\"name\": \"sim\", \"driver\": \"sim\", \"description\": \"in memory\"}]";
        server.respond("GET", "/realms", 200, response);

        CliRunner.Result result = cli.run("realm", "list", "--json");

        assertThat(mapper.readTree(result.out())).isEqualTo(mapper.readTree(response));
    }

    private JsonNode body(String method, String path) throws IOException {
        return mapper.readTree(server.requests(method, path).getFirst().body());
    }
}
