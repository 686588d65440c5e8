package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogoutTest {

    @TempDir
    Path configDirectory;

    @Test
    void logout_revokes_the_token_on_the_server_and_removes_the_credentials_file() throws IOException {
        try (FakeAsterismServer server = FakeAsterismServer.start().respond("DELETE", "/tokens/tok-1", 204, "")) {
            new CredentialStore(configDirectory).save(new Credentials(server.url(), "alice", "s3cret", "tok-1"));

            CliRunner.Result result = new CliRunner(configDirectory).run("logout");

            assertThat(result.exitCode()).isZero();
            assertThat(result.err()).isEmpty();
            assertThat(server.requests("DELETE", "/tokens/tok-1")).singleElement()
                    .satisfies(request -> assertThat(request.authorization()).isEqualTo("Bearer s3cret"));
            assertThat(configDirectory.resolve("credentials.json")).doesNotExist();
        }
    }

    @Test
    void logout_removes_the_credentials_file_with_a_warning_when_the_server_is_unreachable() throws IOException {
        String deadServer = "http://127.0.0.1:" + closedPort();
        new CredentialStore(configDirectory).save(new Credentials(deadServer, "alice", "s3cret", "tok-1"));

        CliRunner.Result result = new CliRunner(configDirectory).run("logout");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err())
                .startsWith("warning: cannot reach the server at " + deadServer + ": ")
                .contains("tok-1 was not revoked");
        assertThat(configDirectory.resolve("credentials.json")).doesNotExist();
    }

    @Test
    void logout_without_credentials_says_so() {
        CliRunner.Result result = new CliRunner(configDirectory).run("logout");

        assertThat(result.exitCode()).isEqualTo(4);
        assertThat(result.err()).isEqualTo("not logged in: run `asterism login --server URL --user NAME`\n");
    }

    /** A port nothing listens on: bound once by the test, then released. */
    static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
