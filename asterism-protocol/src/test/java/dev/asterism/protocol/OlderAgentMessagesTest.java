package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Messages as peers of earlier (and later) releases of protocol version 1 wrote them, kept as JSON text under
 * {@code src/test/resources/protocol/v1/}. They must parse as long as this release speaks version 1: never edit
 * a fixture to make a change pass; add a new one.
 */
class OlderAgentMessagesTest {

    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void a_register_from_an_agent_that_predates_agent_version_and_os_family_still_parses() {
        Register register = (Register) read("register-without-agent-version-and-os-family.json");

        assertThat(register.vmId()).isEqualTo("vm-0001");
        assertThat(register.registrationToken()).isEqualTo("bootstrap-token-of-an-older-agent");
        assertThat(register.agentPublicKey()).isEqualTo(Samples.ALICE_PUBLIC);
        assertThat(register.agentVersion()).isEmpty();
        assertThat(register.osFamily()).isEmpty();
        assertThat(register.tlsPublicKey()).isEmpty();
    }

    @Test
    void a_register_with_a_tls_public_key_parses() {
        Register register = (Register) read("register-with-tls-public-key.json");

        assertThat(register.vmId()).isEqualTo("vm-0003");
        assertThat(register.tlsPublicKey()).isEqualTo(Optional.of(Samples.TLS_PUBLIC_KEY));
        assertThat(register.agentVersion()).isEqualTo(Optional.of("0.2.0"));
    }

    @Test
    void a_registered_with_certificates_parses() {
        Registered registered = (Registered) read("registered-with-certificates.json");

        assertThat(registered).isEqualTo(new Registered("vm-0001", AgentRole.STUB,
                Instant.parse("2025-03-01T11:59:59Z"), Samples.CLIENT_CERTIFICATE, Samples.CA_CERTIFICATE));
    }

    @Test
    void a_register_from_a_newer_agent_with_unknown_fields_still_parses() {
        Register register = (Register) read("register-with-fields-this-release-does-not-know.json");

        assertThat(register.vmId()).isEqualTo("vm-0002");
        assertThat(register.agentVersion()).isEqualTo(Optional.of("9.4.0"));
        assertThat(register.osFamily()).isEqualTo(Optional.of("windows"));
    }

    @Test
    void a_heartbeat_still_parses() {
        assertThat(read("heartbeat.json"))
                .isEqualTo(new Heartbeat("vm-0001", Instant.parse("2025-03-01T12:00:00Z")));
    }

    @Test
    void a_step_report_without_a_message_still_parses_with_an_empty_message() {
        assertThat(read("step-report-without-message.json")).isEqualTo(new StepReport(
                "bundle-7", 2, "join-domain", StepStatus.REBOOTING, "", Instant.parse("2025-03-01T12:00:05.250Z")));
    }

    @Test
    void a_command_result_without_message_and_results_still_parses() {
        assertThat(read("command-result-without-message-and-results.json"))
                .isEqualTo(new CommandResult("cmd-41", true, "", Map.of()));
    }

    @Test
    void a_controller_command_without_arguments_still_parses() {
        assertThat(read("controller-command-without-arguments.json"))
                .isEqualTo(new ControllerCommand("cmd-42", CommandKind.VERIFY_JOIN, Map.of()));
    }

    @Test
    void a_sealed_bundle_still_parses() {
        assertThat(read("sealed-bundle.json")).isEqualTo(new SealedBundle("bundle-7", "analyst-1", Samples.sealedBox()));
    }

    @Test
    void a_registered_from_an_older_server_still_parses() {
        assertThat(read("registered.json"))
                .isEqualTo(new Registered("vm-0001", AgentRole.STUB, Instant.parse("2025-03-01T11:59:59Z")));
    }

    private Message read(String fixture) {
        Envelope envelope = codec.decode(fixture(fixture));
        assertThat(envelope.version()).isEqualTo(1);
        return envelope.message();
    }

    private static String fixture(String name) {
        String path = "/protocol/v1/" + name;
        try (InputStream in = OlderAgentMessagesTest.class.getResourceAsStream(path)) {
            assertThat(in).as("fixture %s", path).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
