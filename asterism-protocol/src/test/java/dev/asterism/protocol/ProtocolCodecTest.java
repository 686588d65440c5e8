package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ProtocolCodecTest {

    private final ProtocolCodec codec = new ProtocolCodec();

    static Stream<Message> everyMessageType() {
        return Samples.everyMessageType().stream();
    }

    @Test
    void the_samples_cover_every_message_type() {
        assertThat(Samples.everyMessageType()).extracting(Message::type).containsExactly(MessageType.values());
    }

    @ParameterizedTest
    @MethodSource("everyMessageType")
    void every_message_type_survives_a_round_trip(Message message) {
        Envelope envelope = codec.decode(codec.encode(message));

        assertThat(envelope.version()).isEqualTo(ProtocolCodec.CURRENT_VERSION);
        assertThat(envelope.message()).isEqualTo(message);
        assertThat(envelope.type()).isEqualTo(message.type());
    }

    @ParameterizedTest
    @MethodSource("everyMessageType")
    void an_envelope_has_a_version_a_type_and_a_body(Message message) throws Exception {
        JsonNode json = new ObjectMapper().readTree(codec.encode(message));

        assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("v", "type", "body");
        assertThat(json.get("v").intValue()).isEqualTo(1);
        assertThat(json.get("type").textValue()).isEqualTo(message.type().wireName());
        assertThat(json.get("body").isObject()).isTrue();
    }

    @Test
    void a_register_message_has_the_documented_wire_form() {
        String json = codec.encode(new Register("vm-0001", "t0ken", Samples.ALICE_PUBLIC, "0.1.0", "linux"));

        assertThat(json).isEqualTo("{\"v\":1,\"type\":\"register\",\"body\":{\"vmId\":\"vm-0001\","
                + "\"registrationToken\":\"t0ken\",\"agentPublicKey\":\"" + Samples.ALICE_PUBLIC + "\","
                + "\"agentVersion\":\"0.1.0\",\"osFamily\":\"linux\"}}");
    }

    @Test
    void a_register_with_a_tls_key_carries_it_as_an_optional_field() {
        Register register = new Register("vm-1", "t", Samples.ALICE_PUBLIC, "0.1.0", "linux", Samples.TLS_PUBLIC_KEY);

        String json = codec.encode(register);

        assertThat(json).contains("\"tlsPublicKey\":\"" + Samples.TLS_PUBLIC_KEY + "\"");
        assertThat(codec.decode(json).message()).isEqualTo(register);
        assertThat(codec.encode(new Register("vm-1", "t", Samples.ALICE_PUBLIC, "0.1.0", "linux")))
                .doesNotContain("tlsPublicKey");
    }

    @Test
    void a_registered_without_certificates_is_written_without_them() {
        String json = codec.encode(new Registered("vm-1", AgentRole.STUB, Samples.NOW));

        assertThat(json).doesNotContain("clientCertificate").doesNotContain("caCertificate");
    }

    @Test
    void a_register_with_a_tls_key_that_is_not_an_ec_key_is_refused() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"register\",\"body\":{\"vmId\":\"vm-1\","
                + "\"registrationToken\":\"t\",\"agentPublicKey\":\"" + Samples.ALICE_PUBLIC + "\","
                + "\"tlsPublicKey\":\"AAAA\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refused.getMessage()).startsWith("register: tlsPublicKey");
    }

    @Test
    void every_role_and_step_status_and_command_kind_survives_a_round_trip() {
        for (AgentRole role : AgentRole.values()) {
            Message message = new Registered("vm-1", role, Samples.NOW);
            assertThat(codec.decode(codec.encode(message)).message()).isEqualTo(message);
        }
        for (StepStatus status : StepStatus.values()) {
            Message message = new StepReport("b", 0, "s", status, "", Samples.NOW);
            assertThat(codec.decode(codec.encode(message)).message()).isEqualTo(message);
        }
        for (CommandKind kind : CommandKind.values()) {
            Message message = new ControllerCommand("c", kind, Map.of("k", "v"));
            assertThat(codec.decode(codec.encode(message)).message()).isEqualTo(message);
        }
    }

    @Test
    void roles_travel_as_lower_case_names() {
        String json = codec.encode(new Registered("vm-1", AgentRole.STUB, Samples.NOW));

        assertThat(json).contains("\"role\":\"stub\"");
    }

    @Test
    void a_register_without_the_optional_fields_is_written_without_them_and_read_back_empty() {
        Register old = new Register("vm-1", "t", Samples.ALICE_PUBLIC, Optional.empty(), Optional.empty());

        String json = codec.encode(old);

        assertThat(json).doesNotContain("agentVersion").doesNotContain("osFamily");
        assertThat(codec.decode(json).message()).isEqualTo(old);
    }

    @Test
    void null_counts_as_an_absent_optional_field() {
        Envelope envelope = codec.decode("{\"v\":1,\"type\":\"register\",\"body\":{\"vmId\":\"vm-1\","
                + "\"registrationToken\":\"t\",\"agentPublicKey\":\"" + Samples.ALICE_PUBLIC + "\","
                + "\"agentVersion\":null,\"osFamily\":null}}");

        Register register = (Register) envelope.message();
        assertThat(register.agentVersion()).isEmpty();
        assertThat(register.osFamily()).isEmpty();
    }

    @Test
    void unknown_fields_at_every_level_are_ignored() {
        Envelope envelope = codec.decode("{\"v\":1,\"type\":\"sealed-bundle\",\"trace\":{\"id\":7},"
                + "\"body\":{\"bundleId\":\"b\",\"memberName\":\"m\",\"priority\":3,\"sealed\":{"
                + "\"ephemeralPublicKey\":\"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\","
                + "\"nonce\":\"7j3ewU/0MYiiGc7U\",\"ciphertext\":\"43N+YMJ/9Iy3WHAfQ/6+askqjSTnQqSzI6rLGBPJ/Pdp5wmxroG+Yw==\","
                + "\"associatedData\":\"asterism-join-bundle:v1:vm-0001\",\"scheme\":[\"future\"]}}}");

        assertThat(envelope.message()).isEqualTo(new SealedBundle("b", "m", Samples.sealedBox()));
    }

    @Test
    void an_unknown_message_type_is_refused_with_advice_to_upgrade() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"tunnel-open\",\"body\":{}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.UNKNOWN_TYPE);
        assertThat(refused.getMessage()).contains("'tunnel-open'").contains("upgrade this peer");
    }

    @Test
    void a_newer_major_version_is_refused_with_advice_to_upgrade() {
        ProtocolException refused = refuse("{\"v\":2,\"type\":\"register\",\"body\":{}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.UNSUPPORTED_VERSION);
        assertThat(refused.getMessage())
                .contains("version 2")
                .contains("only version 1")
                .contains("upgrade this peer")
                .contains("speaks version 2");
    }

    @Test
    void a_newer_major_version_is_refused_even_when_its_type_is_unknown() {
        assertThat(refuse("{\"v\":3,\"type\":\"something-new\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.UNSUPPORTED_VERSION);
    }

    @Test
    void version_zero_or_below_is_refused() {
        assertThat(refuse("{\"v\":0,\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.UNSUPPORTED_VERSION);
        assertThat(refuse("{\"v\":-1,\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.UNSUPPORTED_VERSION);
    }

    @Test
    void a_missing_or_non_integer_version_is_refused() {
        assertThat(refuse("{\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.MISSING_FIELD);
        assertThat(refuse("{\"v\":\"1\",\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refuse("{\"v\":1.5,\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refuse("{\"v\":12345678901,\"type\":\"heartbeat\",\"body\":{}}").code())
                .isEqualTo(ProtocolException.Code.INVALID_FIELD);
    }

    @Test
    void a_missing_type_or_body_is_refused() {
        assertThat(refuse("{\"v\":1,\"body\":{}}").code()).isEqualTo(ProtocolException.Code.MISSING_FIELD);
        assertThat(refuse("{\"v\":1,\"type\":\"heartbeat\"}").code()).isEqualTo(ProtocolException.Code.MISSING_FIELD);
        assertThat(refuse("{\"v\":1,\"type\":\"heartbeat\",\"body\":[]}").code())
                .isEqualTo(ProtocolException.Code.INVALID_FIELD);
    }

    @Test
    void a_missing_required_field_is_refused_with_its_name() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"vmId\":\"vm-1\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.MISSING_FIELD);
        assertThat(refused.getMessage()).isEqualTo("heartbeat.body: field 'sentAt' is missing");
    }

    @Test
    void a_field_of_the_wrong_json_type_is_refused() {
        assertThat(refuse("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"vmId\":7,\"sentAt\":\"2025-03-01T12:00:00Z\"}}")
                .getMessage()).isEqualTo("heartbeat.body: field 'vmId' must be a string");
        assertThat(refuse("{\"v\":1,\"type\":\"command-result\",\"body\":{\"commandId\":\"c\",\"ok\":\"yes\"}}")
                .code()).isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refuse("{\"v\":1,\"type\":\"command-result\",\"body\":{\"commandId\":\"c\",\"ok\":true,"
                + "\"results\":{\"n\":1}}}").getMessage()).contains("'results.n' must be a string");
    }

    @Test
    void a_time_that_is_not_an_instant_is_refused() {
        ProtocolException refused =
                refuse("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"vmId\":\"vm-1\",\"sentAt\":\"yesterday\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refused.getMessage()).contains("'sentAt'").contains("ISO-8601");
    }

    @Test
    void an_unknown_enum_value_is_refused_with_advice_to_upgrade() {
        ProtocolException refused = refuse(
                "{\"v\":1,\"type\":\"controller-command\",\"body\":{\"commandId\":\"c\",\"kind\":\"RESIZE_DISK\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.UNKNOWN_VALUE);
        assertThat(refused.getMessage()).contains("'kind'").contains("'RESIZE_DISK'").contains("upgrade this peer");
        assertThat(refuse("{\"v\":1,\"type\":\"registered\",\"body\":{\"vmId\":\"v\",\"role\":\"auditor\","
                + "\"serverTime\":\"2025-03-01T12:00:00Z\"}}").code()).isEqualTo(ProtocolException.Code.UNKNOWN_VALUE);
        assertThat(refuse("{\"v\":1,\"type\":\"step-report\",\"body\":{\"bundleId\":\"b\",\"stepIndex\":0,"
                + "\"stepName\":\"s\",\"status\":\"PAUSED\",\"at\":\"2025-03-01T12:00:00Z\"}}").code())
                .isEqualTo(ProtocolException.Code.UNKNOWN_VALUE);
    }

    @Test
    void a_value_the_record_refuses_is_refused_as_an_invalid_field() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"step-report\",\"body\":{\"bundleId\":\"b\","
                + "\"stepIndex\":-1,\"stepName\":\"s\",\"status\":\"STARTED\",\"at\":\"2025-03-01T12:00:00Z\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refused.getMessage()).isEqualTo("step-report: stepIndex is negative");
    }

    @Test
    void a_sealed_box_with_a_nonce_of_the_wrong_length_is_refused() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"sealed-bundle\",\"body\":{\"bundleId\":\"b\","
                + "\"memberName\":\"m\",\"sealed\":{\"ephemeralPublicKey\":\"3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\","
                + "\"nonce\":\"AAAA\",\"ciphertext\":\"43N+YMJ/9Iy3WHAfQ/6+askqjSTnQqSzI6rLGBPJ/Pdp5wmxroG+Yw==\","
                + "\"associatedData\":\"x\"}}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.INVALID_FIELD);
        assertThat(refused.getMessage()).isEqualTo("sealed-bundle.sealed: nonce must be base64 of 12 bytes");
    }

    @Test
    void text_that_is_not_one_json_object_is_refused() {
        for (String notAnObject : List.of("", "not json", "[1,2]", "\"register\"", "{\"v\":1", "{} {}", "null")) {
            assertThat(refuse(notAnObject).code()).as(notAnObject).isEqualTo(ProtocolException.Code.MALFORMED);
        }
    }

    @Test
    void a_duplicated_field_is_refused_so_that_no_two_readers_see_different_messages() {
        ProtocolException refused = refuse("{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"vmId\":\"a\","
                + "\"vmId\":\"b\",\"sentAt\":\"2025-03-01T12:00:00Z\"}}");

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.MALFORMED);
    }

    @Test
    void a_message_larger_than_the_limit_is_refused_before_parsing() {
        String huge = "{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"pad\":\""
                + "x".repeat(ProtocolCodec.MAX_MESSAGE_CHARS) + "\"}}";

        assertThat(refuse(huge).code()).isEqualTo(ProtocolException.Code.MALFORMED);
    }

    @Test
    void a_refusal_never_repeats_a_token_from_a_message() {
        String token = Samples.TOKEN;
        List<String> badMessages = List.of(
                // the token where JSON breaks
                "{\"v\":1,\"type\":\"register\",\"body\":{\"registrationToken\":" + token + "}}",
                "{\"v\":1,\"type\":\"register\",\"body\":{\"registrationToken\":\"" + token + "\" " + token + "}}",
                // the token in place of a version, an enum value, a time, a map key
                "{\"v\":\"" + token + "\",\"type\":\"register\",\"body\":{}}",
                "{\"v\":1,\"type\":\"registered\",\"body\":{\"vmId\":\"v\",\"role\":\"" + token
                        + "-with spaces\",\"serverTime\":\"2025-03-01T12:00:00Z\"}}",
                "{\"v\":1,\"type\":\"heartbeat\",\"body\":{\"vmId\":\"v\",\"sentAt\":\"" + token + "\"}}",
                "{\"v\":1,\"type\":\"command-result\",\"body\":{\"commandId\":\"c\",\"ok\":true,\"results\":{\""
                        + token + " \":1}}}",
                // a valid token with an invalid key or a blank id beside it
                "{\"v\":1,\"type\":\"register\",\"body\":{\"vmId\":\"vm-1\",\"registrationToken\":\"" + token
                        + "\",\"agentPublicKey\":\"not-a-key\"}}",
                "{\"v\":1,\"type\":\"register\",\"body\":{\"vmId\":\" \",\"registrationToken\":\"" + token
                        + "\",\"agentPublicKey\":\"" + Samples.ALICE_PUBLIC + "\"}}");

        for (String bad : badMessages) {
            ProtocolException refused = refuse(bad);
            assertThat(refused.getMessage()).as(bad).doesNotContain("SECRET").doesNotContain("5f2a9c");
        }
    }

    private ProtocolException refuse(String json) {
        ProtocolException refused = catchThrowableOfType(ProtocolException.class, () -> codec.decode(json));
        assertThat(refused).as("decoding %s", json.length() > 200 ? json.substring(0, 200) : json).isNotNull();
        return refused;
    }

    @Test
    void encoding_a_null_message_is_a_programming_error() {
        assertThatThrownBy(() -> codec.encode(null)).isInstanceOf(NullPointerException.class);
    }
}
