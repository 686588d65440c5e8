package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {

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
    void audit_verify_of_an_intact_chain_exits_0() {
        server.respond("GET", "/audit/verify", 200, "{\"valid\": true, \"events\": 42, \"problems\": []}");

        CliRunner.Result result = cli.run("audit", "verify");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("audit chain valid: 42 events\n");
    }

    @Test
    void audit_verify_of_a_broken_chain_prints_each_problem_and_exits_1() {
        server.respond("GET", "/audit/verify", 200, """
                {"valid": false, "events": 42,
                 "problems": [{"seq": 7, "problem": "hash does not match the event"},
                              {"seq": 8, "problem": "prevHash does not match event 7"}]}
                """);

        CliRunner.Result result = cli.run("audit", "verify");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.out()).contains("INVALID")
                .contains("seq 7: hash does not match the event")
                .contains("seq 8: prevHash does not match event 7");
    }

    @Test
    void audit_verify_json_still_exits_1_for_a_broken_chain() throws IOException {
        server.respond("GET", "/audit/verify", 200,
                "{\"valid\": false, \"events\": 3, \"problems\": [{\"seq\": 2, \"problem\": \"gap\"}]}");

        CliRunner.Result result = cli.run("audit", "verify", "--json");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(new ObjectMapper().readTree(result.out()).path("valid").asBoolean()).isFalse();
    }

    @Test
    void audit_list_passes_its_filters_as_encoded_query_parameters() {
        server.respond("GET", "/audit", 200, """
                [{"seq": 11, "time": "2030-01-01T00:00:00Z", "actor": "bob smith", "action": "vm.start",
                  "target": "vm/w1", "details": {"brick": "linux-worker"}, "prevHash": "aa", "hash": "bb"}]
                """);

        CliRunner.Result result = cli.run(
                "audit", "list", "--after-seq", "10", "--limit", "5", "--actor", "bob smith", "--action", "vm.start");

        assertThat(result.exitCode()).isZero();
        assertThat(server.requests("GET", "/audit")).singleElement()
                .satisfies(request -> assertThat(request.query())
                        .isEqualTo("afterSeq=10&limit=5&actor=bob+smith&action=vm.start"));
        assertThat(result.out().lines().toList().get(1))
                .startsWith("11")
                .contains("vm.start")
                .endsWith("{\"brick\":\"linux-worker\"}");
    }

    @Test
    void audit_list_without_events_says_so() {
        server.respond("GET", "/audit", 200, "[]");

        assertThat(cli.run("audit", "list").out()).isEqualTo("no audit events\n");
    }

    @Test
    void a_negative_sequence_number_is_a_usage_error() {
        CliRunner.Result result = cli.run("audit", "list", "--after-seq", "-1");

        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(server.requests()).isEmpty();
    }
}
