package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MessageValidationTest {

    @Test
    void register_refuses_blank_ids_and_tokens_without_showing_them() {
        assertThatThrownBy(() -> new Register(" ", Samples.TOKEN, Samples.ALICE_PUBLIC, "1", "linux"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("vmId is blank");
        assertThatThrownBy(() -> new Register("vm-1", "", Samples.ALICE_PUBLIC, "1", "linux"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("registrationToken is blank");
        assertThatThrownBy(() -> new Register("vm-1", null, Samples.ALICE_PUBLIC, "1", "linux"))
                .isInstanceOf(NullPointerException.class).hasMessage("registrationToken is null");
    }

    @Test
    void register_refuses_a_key_that_is_not_a_raw_x25519_public_key() {
        for (String badKey : List.of("", "AAAA", "not base64!", "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTuo=", "7f///////////////////////////////////////38=",
                "////////////////////////////////////////////")) {
            assertThatThrownBy(() -> new Register("vm-1", Samples.TOKEN, badKey, "1", "linux"))
                    .as(badKey)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("agentPublicKey");
        }
    }

    @Test
    void register_refuses_a_present_but_blank_version() {
        assertThatThrownBy(() -> new Register("vm-1", "t", Samples.ALICE_PUBLIC, Optional.of(""), Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("agentVersion is blank");
    }

    @Test
    void register_refuses_a_tls_key_that_is_not_an_ec_p256_public_key() {
        for (String badKey : List.of("", "AAAA", "not base64!", Samples.ALICE_PUBLIC)) {
            assertThatThrownBy(() -> new Register("vm-1", Samples.TOKEN, Samples.ALICE_PUBLIC, "1", "linux", badKey))
                    .as(badKey)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("tlsPublicKey");
        }
    }

    @Test
    void with_tls_public_key_keeps_every_other_field() {
        Register register = new Register("vm-1", Samples.TOKEN, Samples.ALICE_PUBLIC, "1", "linux");

        assertThat(register.withTlsPublicKey(Samples.TLS_PUBLIC_KEY)).isEqualTo(
                new Register("vm-1", Samples.TOKEN, Samples.ALICE_PUBLIC, "1", "linux", Samples.TLS_PUBLIC_KEY));
    }

    @Test
    void registered_refuses_a_certificate_that_is_not_one_pem_certificate() {
        for (String bad : List.of(" ", "MIIB", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
                Samples.CA_CERTIFICATE + Samples.CLIENT_CERTIFICATE)) {
            assertThatThrownBy(() -> new Registered("vm-1", AgentRole.STUB, Samples.NOW, bad, Samples.CA_CERTIFICATE))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("clientCertificate");
        }
    }

    @Test
    void registered_to_string_does_not_spell_out_certificates() {
        String text = new Registered("vm-1", AgentRole.STUB, Samples.NOW, Samples.CLIENT_CERTIFICATE,
                Samples.CA_CERTIFICATE).toString();

        assertThat(text).doesNotContain("BEGIN").contains("clientCertificate=<present>");
    }

    @Test
    void register_to_string_redacts_the_token() {
        String text = new Register("vm-1", Samples.TOKEN, Samples.ALICE_PUBLIC, "0.1.0", "linux").toString();

        assertThat(text).doesNotContain(Samples.TOKEN).contains("registrationToken=<redacted>").contains("vm-1");
    }

    @Test
    void no_message_shows_a_secret_in_to_string() {
        for (Message message : Samples.everyMessageType()) {
            assertThat(message.toString()).doesNotContain(Samples.TOKEN).doesNotContain(Samples.PASSWORD);
        }
    }

    @Test
    void command_arguments_and_results_redact_keys_that_name_secrets() {
        ControllerCommand command = new ControllerCommand("c", CommandKind.PRESET_COMPUTER, Map.of(
                "computerName", "ANALYST-1", "oneTimePassword", Samples.PASSWORD, "api_token", Samples.TOKEN));
        CommandResult result = new CommandResult("c", true, "", Map.of("admin-secret", Samples.PASSWORD,
                "privateKey", Samples.TOKEN, "peer", "10.8.0.3"));

        assertThat(command.toString()).doesNotContain(Samples.PASSWORD).doesNotContain(Samples.TOKEN)
                .contains("computerName=ANALYST-1").contains("oneTimePassword=<redacted>");
        assertThat(result.toString()).doesNotContain(Samples.PASSWORD).doesNotContain(Samples.TOKEN)
                .contains("peer=10.8.0.3");
    }

    @Test
    void maps_are_copied_sorted_and_refuse_nulls() {
        Map<String, String> arguments = new HashMap<>(Map.of("b", "2", "a", "1"));
        ControllerCommand command = new ControllerCommand("c", CommandKind.ADD_VPN_PEER, arguments);
        arguments.put("c", "3");

        assertThat(command.arguments()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThatThrownBy(() -> command.arguments().put("d", "4")).isInstanceOf(UnsupportedOperationException.class);
        Map<String, String> withNull = new HashMap<>();
        withNull.put("a", null);
        assertThatThrownBy(() -> new CommandResult("c", true, "", withNull)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void the_other_messages_refuse_missing_values() {
        Instant now = Samples.NOW;
        assertThatThrownBy(() -> new Registered("vm", null, now)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new RegistrationRefused(" ")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Heartbeat("vm", null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new SealedBundle("b", "", Samples.sealedBox()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepReport("b", -1, "s", StepStatus.STARTED, "", now))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new StepReport("b", 0, "s", StepStatus.STARTED, null, now))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new ControllerCommand("", CommandKind.VERIFY_JOIN, Map.of()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Envelope(0, new RegistrationRefused("no")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void a_sealed_box_refuses_fields_of_the_wrong_length() {
        SealedBox good = Samples.sealedBox();
        assertThatThrownBy(() -> new SealedBox("AAAA", good.nonce(), good.ciphertext(), ""))
                .hasMessage("ephemeralPublicKey must be base64 of 32 bytes");
        assertThatThrownBy(() -> new SealedBox(good.ephemeralPublicKey(), "AAAA", good.ciphertext(), ""))
                .hasMessage("nonce must be base64 of 12 bytes");
        assertThatThrownBy(() -> new SealedBox(good.ephemeralPublicKey(), good.nonce(), "AAAA", ""))
                .hasMessage("ciphertext must be base64 of at least 16 bytes");
        assertThatThrownBy(() -> new SealedBox(good.ephemeralPublicKey(), good.nonce(), "%%%", ""))
                .hasMessage("ciphertext is not standard base64");
    }

    @Test
    void message_types_have_stable_wire_names() {
        assertThat(MessageType.values()).extracting(MessageType::wireName).containsExactly(
                "register", "registered", "registration-refused", "heartbeat", "sealed-bundle", "step-report",
                "controller-command", "command-result");
        assertThat(MessageType.fromWireName("register")).contains(MessageType.REGISTER);
        assertThat(MessageType.fromWireName("REGISTER")).isEmpty();
    }
}
