package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import dev.asterism.spi.guest.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentStateTest {

    @TempDir
    Path root;

    @Test
    void everything_the_agent_keeps_survives_a_reload() {
        Path directory = root.resolve("state");
        AgentState state = AgentState.create(directory, "vm-1", "wss://server.test", Secret.of("bootstrap-token"));
        SealedBox sealed = new Sealing().seal("plain".getBytes(StandardCharsets.UTF_8),
                Sealing.decodePublicKey(state.publicKey()), JoinBundle.associatedDataFor("vm-1"));
        AgentState.PendingBundle bundle = new AgentState.PendingBundle("bundle-1", "member-1", sealed, 1,
                AgentState.BundleStatus.RUNNING);
        StepReport report = new StepReport("bundle-1", 0, "prepare", StepStatus.REBOOTING, "rebooting",
                Instant.parse("2025-01-01T00:00:00Z"));
        state.markRegistered(AgentRole.CONTROLLER);
        state.acceptBundle(bundle);
        state.recordStep(bundle, report);
        state.saveControllerSettings(new AgentState.ControllerSettings("C7.ASTERISM.TEST", "10.7.0.0/24",
                "10.7.0.1", 51820, Optional.of("192.168.50.2")));
        state.rememberAdministratorPassword(Secret.of("Administrator-Password-1"));
        state.rememberResult(new AgentState.CachedResult("fingerprint",
                new CommandResult("command-1", true, "", Map.of("joined", "true"))));

        AgentState reloaded = AgentState.load(directory);

        assertThat(reloaded.vmId()).isEqualTo("vm-1");
        assertThat(reloaded.serverUrl()).isEqualTo("wss://server.test");
        assertThat(reloaded.publicKey()).isEqualTo(state.publicKey());
        assertThat(reloaded.registrationToken()).isEmpty();
        assertThat(reloaded.role()).contains(AgentRole.CONTROLLER);
        assertThat(reloaded.bundle()).contains(bundle);
        assertThat(reloaded.lastStepReport()).contains(report);
        assertThat(reloaded.controllerSettings()).isEqualTo(state.controllerSettings());
        assertThat(reloaded.administratorPassword()).hasValueSatisfying(
                password -> assertThat(password.reveal()).isEqualTo("Administrator-Password-1"));
        assertThat(reloaded.cachedResult("command-1")).isEqualTo(state.cachedResult("command-1"));
    }

    @Test
    void the_state_file_is_readable_only_by_the_agent_and_no_temporary_file_stays() throws Exception {
        Path directory = root.resolve("state");
        AgentState state = AgentState.create(directory, "vm-1", "wss://server.test", Secret.of("bootstrap-token"));
        state.markRegistered(AgentRole.STUB);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve(AgentState.FILE_NAME))))
                .isEqualTo("rw-------");
        try (var files = Files.list(directory)) {
            assertThat(files.map(file -> file.getFileName().toString())).containsExactly(AgentState.FILE_NAME);
        }
    }

    @Test
    void the_administrator_password_once_kept_is_never_replaced() {
        AgentState state = AgentState.create(root.resolve("state"), "vm-1", "wss://server.test", Secret.of("t"));

        Secret first = state.rememberAdministratorPassword(Secret.of("First-Password-1"));
        Secret second = state.rememberAdministratorPassword(Secret.of("Second-Password-2"));

        assertThat(second.reveal()).isEqualTo(first.reveal()).isEqualTo("First-Password-1");
    }

    @Test
    void only_the_newest_command_results_are_kept() {
        AgentState state = AgentState.create(root.resolve("state"), "vm-1", "wss://server.test", Secret.of("t"));
        for (int index = 0; index < AgentState.MAX_CACHED_RESULTS + 10; index++) {
            state.rememberResult(new AgentState.CachedResult("f",
                    new CommandResult("command-" + index, true, "", Map.of())));
        }

        AgentState reloaded = AgentState.load(root.resolve("state"));
        assertThat(reloaded.cachedResultCount()).isEqualTo(AgentState.MAX_CACHED_RESULTS);
        assertThat(reloaded.cachedResult("command-9")).isEmpty();
        assertThat(reloaded.cachedResult("command-10")).isPresent();
        assertThat(reloaded.cachedResult("command-" + (AgentState.MAX_CACHED_RESULTS + 9))).isPresent();
    }

    @Test
    void creating_a_state_where_one_exists_fails_and_loading_a_missing_one_says_so() {
        AgentState.create(root.resolve("state"), "vm-1", "wss://server.test", Secret.of("t"));

        assertThatThrownBy(() -> AgentState.create(root.resolve("state"), "vm-1", "wss://server.test",
                Secret.of("t"))).isInstanceOf(AgentStateException.class).hasMessageContaining("holds a state already");
        assertThatThrownBy(() -> AgentState.load(root.resolve("nothing")))
                .isInstanceOf(AgentStateException.class).hasMessageContaining("there is no agent state");
    }

    @Test
    void a_damaged_state_file_is_refused_without_quoting_it() throws Exception {
        Path directory = root.resolve("state");
        AgentState.create(directory, "vm-1", "wss://server.test", Secret.of("t"));
        Path file = directory.resolve(AgentState.FILE_NAME);
        Files.writeString(file, Files.readString(file).replace("\"privateKey\"", "\"privateKeyLost\""));

        assertThatThrownBy(() -> AgentState.load(directory)).isInstanceOf(AgentStateException.class)
                .hasMessageContaining("field 'privateKey' is missing");
    }

    @Test
    void to_string_shows_no_secret() {
        AgentState state = AgentState.create(root.resolve("state"), "vm-1", "wss://server.test",
                Secret.of("bootstrap-token"));
        state.rememberAdministratorPassword(Secret.of("Administrator-Password-1"));

        assertThat(state.toString()).contains("vm-1").doesNotContain("bootstrap-token")
                .doesNotContain("Administrator-Password-1").doesNotContain(Sealing.encodePrivateKey(state.privateKey()));
    }
}
