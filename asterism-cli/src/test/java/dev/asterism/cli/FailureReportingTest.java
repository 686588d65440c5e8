package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailureReportingTest {

    @TempDir
    Path configDirectory;

    @Test
    void a_command_run_before_login_exits_4_and_says_how_to_log_in() {
        CliRunner.Result result = new CliRunner(configDirectory).run("vm", "list");

        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.out()).isEmpty();
        assertThat(result.err()).isEqualTo("not logged in: run `asterism login --server URL --user NAME`\n");
    }

    @Test
    void an_unreachable_server_exits_3_naming_the_server_and_the_reason() throws IOException {
        String deadServer = "http://127.0.0.1:" + LogoutTest.closedPort();
        new CredentialStore(configDirectory).save(new Credentials(deadServer, "alice", "s3cret", "tok-1"));

        CliRunner.Result result = new CliRunner(configDirectory).run("vm", "list");

        assertThat(result.exitCode()).isEqualTo(3);
        assertThat(result.err()).startsWith("cannot reach the server at " + deadServer + ": ");
        assertThat(result.err().lines()).hasSize(1);
        assertThat(result.err().strip()).doesNotEndWith(":");
    }

    @Test
    void an_api_error_prints_its_message_code_and_details_and_exits_1_without_a_stack_trace() throws IOException {
        try (FakeAsterismServer server = FakeAsterismServer.start()) {
            server.respond("POST", "/vms", 403, """
                    {"error": "BRICK_NOT_GRANTED",
                     "message": "you may not use brick win11",
                     "details": {"brick": "win11", "needed": "use", "limits": {"vms": 3}}}
                    """);
            loggedIn(server);

            CliRunner.Result result =
                    new CliRunner(configDirectory).run("vm", "start", "--brick", "win11", "--name", "w1");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).isEqualTo("""
                    error: you may not use brick win11 (BRICK_NOT_GRANTED)
                      brick: win11
                      needed: use
                      limits: {"vms":3}
                    """);
            assertThat(result.err()).doesNotContain("Exception").doesNotContain("\tat ");
        }
    }

    @Test
    void an_error_answer_that_is_not_api_json_still_gives_one_clear_line() throws IOException {
        try (FakeAsterismServer server = FakeAsterismServer.start()) {
            server.respond("GET", "/vms", 502, "<html>Bad Gateway</html>");
            loggedIn(server);

            CliRunner.Result result = new CliRunner(configDirectory).run("vm", "list");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).isEqualTo("error: the server answered with HTTP status 502 (HTTP_502)\n");
        }
    }

    @Test
    void a_success_answer_this_cli_cannot_read_is_an_error_not_a_crash() throws IOException {
        try (FakeAsterismServer server = FakeAsterismServer.start()) {
            server.respond("GET", "/vms", 200, "{\"not\": \"a list\"}");
            loggedIn(server);

            CliRunner.Result result = new CliRunner(configDirectory).run("vm", "list");

            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.err()).startsWith("error: the server sent a response this CLI does not understand");
            assertThat(result.err().lines()).hasSize(1);
        }
    }

    @Test
    void a_damaged_credentials_file_is_reported_without_quoting_its_content() throws IOException {
        Files.writeString(configDirectory.resolve("credentials.json"), "{\"token\": \"s3cret\", oops");

        CliRunner.Result result = new CliRunner(configDirectory).run("vm", "list");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("is damaged").doesNotContain("s3cret");
    }

    @Test
    void an_unexpected_exception_is_one_internal_error_line_with_exit_70() {
        StringWriter err = new StringWriter();

        ExitStatus status = FailureReporter.report(
                new IllegalStateException("bug\nsecond line"), new PrintWriter(err, true));

        assertThat(status.code()).isEqualTo(70);
        assertThat(err.toString()).isEqualTo("internal error: java.lang.IllegalStateException: bug\n");
    }

    @Test
    void a_number_that_must_be_positive_is_checked_before_anything_is_sent() throws IOException {
        try (FakeAsterismServer server = FakeAsterismServer.start()) {
            loggedIn(server);

            CliRunner.Result result = new CliRunner(configDirectory)
                    .run("profile", "create", "small", "--vcpus", "0", "--memory-mib", "512", "--disk-gib", "10");

            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.err())
                    .contains("--vcpus")
                    .contains("must be greater than zero")
                    .contains("asterism profile create --help");
            assertThat(server.requests()).isEmpty();
        }
    }

    @Test
    void an_unknown_enum_word_names_the_accepted_ones() {
        CliRunner.Result result = new CliRunner(configDirectory).run("user", "create", "bob", "--role", "root");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("expected one of user, admin, super-admin, got 'root'");
    }

    @Test
    void a_group_run_without_a_subcommand_lists_its_subcommands() {
        CliRunner.Result result = new CliRunner(configDirectory).run("vm");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("choose one of").contains("start").contains("destroy");
    }

    private void loggedIn(FakeAsterismServer server) {
        new CredentialStore(configDirectory).save(new Credentials(server.url(), "alice", "s3cret", "tok-1"));
    }
}
