package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.Test;

class JoinBundleTest {

    private final ProtocolCodec codec = new ProtocolCodec();

    @Test
    void a_join_bundle_survives_encoding_with_its_steps_in_order() {
        JoinBundle bundle = Samples.joinBundle();

        JoinBundle decoded = codec.decodeJoinBundle(codec.encodeJoinBundle(bundle));

        assertThat(decoded).isEqualTo(bundle);
        assertThat(decoded.steps()).extracting(JoinBundle.Step::name)
                .containsExactly("set-dns", "join-domain", "rename");
    }

    @Test
    void a_join_bundle_sealed_to_a_stub_opens_there_and_nowhere_else() {
        Sealing sealing = new Sealing();
        KeyPair stub = sealing.generateKeyPair();
        JoinBundle bundle = Samples.joinBundle();

        SealedBox box = sealing.seal(codec.encodeJoinBundle(bundle), stub.getPublic(),
                JoinBundle.associatedDataFor("vm-0001"));
        String relayed = codec.encode(new SealedBundle("bundle-1", bundle.memberName(), box));
        SealedBundle received = (SealedBundle) codec.decode(relayed).message();
        byte[] opened = sealing.open(received.sealed(), stub.getPrivate(), JoinBundle.associatedDataFor("vm-0001"));

        assertThat(relayed).doesNotContain(Samples.PASSWORD);
        assertThat(codec.decodeJoinBundle(opened)).isEqualTo(bundle);
        assertThatThrownBy(() -> sealing.open(received.sealed(), sealing.generateKeyPair().getPrivate(),
                JoinBundle.associatedDataFor("vm-0001"))).isInstanceOf(SealingException.class);
    }

    @Test
    void a_batch_key_travels_in_the_bundle_and_a_bundle_without_one_reads_as_empty() {
        JoinBundle plain = Samples.joinBundle();
        JoinBundle keyed = new JoinBundle(plain.memberName(), plain.domain(), plain.computerName(),
                plain.oneTimePassword(), plain.dcAddress(), plain.steps(), "bXVuZ2Uta2V5");

        assertThat(codec.decodeJoinBundle(codec.encodeJoinBundle(keyed)).batchKey()).isEqualTo("bXVuZ2Uta2V5");
        assertThat(new String(codec.encodeJoinBundle(plain), StandardCharsets.UTF_8)).doesNotContain("batchKey");
        assertThat(codec.decodeJoinBundle(codec.encodeJoinBundle(plain)).batchKey()).isEmpty();
        assertThat(keyed.toString()).doesNotContain("bXVuZ2Uta2V5").contains("batchKey=<redacted>");
    }

    @Test
    void to_string_redacts_the_password_and_the_scripts() {
        String text = Samples.joinBundle().toString();

        assertThat(text).doesNotContain(Samples.PASSWORD).doesNotContain("adcli")
                .contains("oneTimePassword=<redacted>").contains("join-domain").contains("C7.ASTERISM.TEST");
    }

    @Test
    void a_join_bundle_needs_a_password_and_a_step() {
        assertThatThrownBy(() -> new JoinBundle("m", "D", "C", " ", "10.0.0.2",
                List.of(new JoinBundle.Step("s", "true", false))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("oneTimePassword is blank");
        assertThatThrownBy(() -> new JoinBundle("m", "D", "C", "p", "10.0.0.2", List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("steps is empty");
    }

    @Test
    void a_newer_join_bundle_version_is_refused_with_advice_to_upgrade() {
        ProtocolException refused = catchThrowableOfType(ProtocolException.class, () -> codec.decodeJoinBundle(
                "{\"v\":2,\"memberName\":\"m\"}".getBytes(StandardCharsets.UTF_8)));

        assertThat(refused.code()).isEqualTo(ProtocolException.Code.UNSUPPORTED_VERSION);
        assertThat(refused.getMessage()).contains("join bundle").contains("upgrade");
    }

    @Test
    void a_join_bundle_with_unknown_fields_still_parses() {
        String json = new String(codec.encodeJoinBundle(Samples.joinBundle()), StandardCharsets.UTF_8)
                .replace("\"v\":1,", "\"v\":1,\"vpn\":{\"mtu\":1380},");

        assertThat(codec.decodeJoinBundle(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(Samples.joinBundle());
    }

    @Test
    void a_broken_join_bundle_is_refused_without_showing_any_part_of_it() {
        String json = new String(codec.encodeJoinBundle(Samples.joinBundle()), StandardCharsets.UTF_8);
        List<String> broken = List.of(
                json.substring(0, json.indexOf(Samples.PASSWORD) + 5),
                json.replace("\"" + Samples.PASSWORD + "\"", Samples.PASSWORD),
                json.replace("\"rebootAfter\":true", "\"rebootAfter\":\"" + Samples.PASSWORD + "\""),
                json.replace("\"steps\":[", "\"steps\":[\"" + Samples.PASSWORD + "\","),
                json.replace("\"domain\":\"C7.ASTERISM.TEST\"", "\"domain\":\" \""));

        for (String bad : broken) {
            ProtocolException refused = catchThrowableOfType(ProtocolException.class,
                    () -> codec.decodeJoinBundle(bad.getBytes(StandardCharsets.UTF_8)));
            assertThat(refused).as(bad).isNotNull();
            assertThat(refused.getMessage()).doesNotContain(Samples.PASSWORD).doesNotContain("81bd4e")
                    .doesNotContain("adcli");
        }
    }
}
