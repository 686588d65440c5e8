package dev.asterism.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmCommandTest {

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
    void vm_list_prints_one_aligned_row_per_vm() {
        server.respond("GET", "/vms", 200, "[" + vm("controller-1", "RUNNING", null, "10.0.0.5")
                + ", " + vm("w2", "FAILED", "agent did not register", null) + "]");

        CliRunner.Result result = cli.run("vm", "list");

        assertThat(result.exitCode()).isZero();
        List<String> lines = result.out().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("NAME          STATE    BRICK");
        assertThat(lines.get(1)).startsWith("controller-1  RUNNING  linux-worker");
        assertThat(lines.get(2)).startsWith("w2            FAILED   linux-worker").endsWith("agent did not register");
        // Every column starts at the same place on every line.
        int stateColumn = lines.get(0).indexOf("STATE");
        int ownerColumn = lines.get(0).indexOf("OWNER");
        assertThat(lines).allSatisfy(line -> assertThat(line.substring(stateColumn - 2, stateColumn + 1))
                .matches("  \\S"));
        assertThat(lines.get(1).substring(ownerColumn)).startsWith("alice");
        assertThat(lines.get(2).substring(ownerColumn)).startsWith("alice");
        assertThat(lines.get(1)).contains("10.0.0.5");
        assertThat(lines).allSatisfy(line -> assertThat(line).doesNotEndWith(" "));
    }

    @Test
    void vm_list_with_no_vms_says_so() {
        server.respond("GET", "/vms", 200, "[]");

        CliRunner.Result result = cli.run("vm", "list");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("no VMs\n");
    }

    @Test
    void vm_list_json_prints_the_server_response_as_valid_json_including_fields_this_cli_does_not_know()
            throws IOException {
        String response = "[" + vm("w1", "RUNNING", null, null).replace("{", "{\"futureField\": 42, ") + "]";
        server.respond("GET", "/vms", 200, response);

        CliRunner.Result result = cli.run("vm", "list", "--json");

        assertThat(result.exitCode()).isZero();
        ObjectMapper mapper = new ObjectMapper();
        assertThat(mapper.readTree(result.out())).isEqualTo(mapper.readTree(response));
        assertThat(result.out().lines().count()).isGreaterThan(1);
    }

    @Test
    void vm_show_prints_the_fields_of_one_vm() {
        server.respond("GET", "/vms/w1", 200, vm("w1", "STOPPED", null, null));

        CliRunner.Result result = cli.run("vm", "show", "w1");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).containsPattern("(?m)^state +STOPPED$").containsPattern("(?m)^reason +-$");
    }

    @Test
    void vm_start_sends_only_the_options_that_were_given() throws IOException {
        server.respond("POST", "/vms", 202, vm("w1", "REQUESTED", null, null));

        CliRunner.Result result = cli.run("vm", "start", "--brick", "linux-worker", "--name", "w1");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("w1: REQUESTED\n");
        JsonNode body = new ObjectMapper().readTree(server.requests("POST", "/vms").getFirst().body());
        assertThat(body).isEqualTo(new ObjectMapper().readTree("{\"name\": \"w1\", \"brick\": \"linux-worker\"}"));
    }

    @Test
    void vm_start_wait_follows_the_vm_until_it_runs_printing_each_new_state_once() {
        server.respond("POST", "/vms", 202, vm("w1", "REQUESTED", null, null));
        server.respondInTurn("GET", "/vms/w1", 200,
                vm("w1", "STARTING", null, null),
                vm("w1", "STARTING", null, null),
                vm("w1", "AWAITING_REGISTRATION", null, null),
                vm("w1", "RUNNING", null, "10.0.0.7"));

        CliRunner.Result result = cli.run("vm", "start", "--brick", "linux-worker", "--name", "w1", "--wait");

        assertThat(result.exitCode()).isZero();
        assertThat(result.err().lines()).containsExactly(
                "w1: REQUESTED (0s)",
                "w1: STARTING (500ms)",
                "w1: AWAITING_REGISTRATION (1s)",
                "w1: RUNNING (2s)");
        assertThat(result.out()).isEqualTo("w1 is RUNNING after 2s\n");
        assertThat(server.requests("GET", "/vms/w1")).hasSize(4);
    }

    @Test
    void vm_start_wait_exits_1_with_the_reason_when_the_vm_fails() {
        server.respond("POST", "/vms", 202, vm("w1", "REQUESTED", null, null));
        server.respondInTurn("GET", "/vms/w1", 200,
                vm("w1", "STARTING", null, null),
                vm("w1", "FAILED", "the image has no agent", null));

        CliRunner.Result result = cli.run("vm", "start", "--brick", "linux-worker", "--name", "w1", "--wait");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).endsWith("w1: FAILED (1s)\nerror: w1 failed: the image has no agent\n");
        assertThat(result.out()).isEmpty();
    }

    @Test
    void vm_start_wait_gives_up_after_the_timeout_with_exit_5_and_leaves_the_vm_alone() {
        server.respond("POST", "/vms", 202, vm("w1", "REQUESTED", null, null));
        server.respond("GET", "/vms/w1", 200, vm("w1", "AWAITING_REGISTRATION", null, null));

        CliRunner.Result result = cli.run(
                "vm", "start", "--brick", "linux-worker", "--name", "w1", "--wait", "--timeout", "30s");

        assertThat(result.exitCode()).isEqualTo(5);
        assertThat(result.err())
                .contains("timed out after 30s waiting for w1 to be RUNNING")
                .contains("it is AWAITING_REGISTRATION and keeps going on the server");
        assertThat(server.requests("GET", "/vms/w1")).hasSize(60);
        assertThat(server.requests().stream().map(FakeAsterismServer.RecordedRequest::method))
                .containsOnly("POST", "GET");
    }

    @Test
    void vm_stop_wait_ends_when_the_vm_is_stopped() {
        server.respond("POST", "/vms/w1/stop", 202, vm("w1", "STOPPING", null, null));
        server.respond("GET", "/vms/w1", 200, vm("w1", "STOPPED", null, null));

        CliRunner.Result result = cli.run("vm", "stop", "w1", "--wait");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).isEqualTo("w1 is STOPPED after 500ms\n");
    }

    @Test
    void vm_destroy_wait_counts_a_vm_that_vanished_from_the_api_as_destroyed() {
        server.respond("DELETE", "/vms/w1", 202, vm("w1", "STOPPING", null, null));

        CliRunner.Result result = cli.run("vm", "destroy", "w1", "--wait");

        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("w1 is DESTROYED");
    }

    @Test
    void vm_start_wait_fails_when_the_vm_is_destroyed_before_it_runs() {
        server.respond("POST", "/vms", 202, vm("w1", "REQUESTED", null, null));
        server.respond("GET", "/vms/w1", 200, vm("w1", "DESTROYED", "registration deadline passed", null));

        CliRunner.Result result = cli.run("vm", "start", "--brick", "linux-worker", "--name", "w1", "--wait");

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("w1 was destroyed before it was RUNNING: registration deadline passed");
    }

    @Test
    void vm_names_are_encoded_so_they_cannot_change_the_path() {
        server.respond("GET", "/vms/a%2Fb%20c", 200, vm("a/b c", "RUNNING", null, null));

        CliRunner.Result result = cli.run("vm", "show", "a/b c");

        assertThat(result.exitCode()).isZero();
        assertThat(server.requests()).singleElement()
                .satisfies(request -> assertThat(request.path()).isEqualTo("/vms/a%2Fb%20c"));
    }

    static String vm(String name, String state, String reason, String address) {
        String reasonJson = reason == null ? "null" : "\"" + reason + "\"";
        String addresses = address == null ? "[]" : "[\"" + address + "\"]";
        return """
                {"id": "vm-%s", "name": "%s", "brick": "linux-worker", "realm": "sim", "profile": "small",
                 "osFamily": "linux", "owner": "alice", "state": "%s", "desiredState": "RUNNING",
                 "reason": %s, "addresses": %s, "createdAt": "2030-01-01T00:00:00Z",
                 "updatedAt": "2030-01-01T00:00:01Z", "registrationDeadline": "2030-01-01T00:05:00Z"}
                """.formatted(name, name, state, reasonJson, addresses);
    }
}
