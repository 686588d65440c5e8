package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

class SealingTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final Base64.Encoder BASE64 = Base64.getEncoder();

    // RFC 7748, section 6.1.
    private static final String ALICE_PRIVATE = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a";
    private static final String ALICE_PUBLIC = "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a";
    private static final String BOB_PRIVATE = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb";
    private static final String BOB_PUBLIC = "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f";
    private static final String SHARED_SECRET = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";

    private static final String ASSOCIATED_DATA = JoinBundle.associatedDataFor("vm-0001");

    private final Sealing sealing = new Sealing();
    private final KeyPair recipient = sealing.generateKeyPair();
    private final byte[] plaintext = ("{\"oneTimePassword\":\"" + Samples.PASSWORD + "\"}")
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void the_shared_secret_matches_rfc_7748_section_6_1() {
        PrivateKey alicePrivate = Sealing.decodePrivateKey(base64(ALICE_PRIVATE));
        PrivateKey bobPrivate = Sealing.decodePrivateKey(base64(BOB_PRIVATE));
        PublicKey alicePublic = Sealing.decodePublicKey(base64(ALICE_PUBLIC));
        PublicKey bobPublic = Sealing.decodePublicKey(base64(BOB_PUBLIC));

        assertThat(HEX.formatHex(Sealing.agree(alicePrivate, bobPublic))).isEqualTo(SHARED_SECRET);
        assertThat(HEX.formatHex(Sealing.agree(bobPrivate, alicePublic))).isEqualTo(SHARED_SECRET);
    }

    @Test
    void the_public_key_of_a_private_key_matches_rfc_7748_section_6_1() {
        PublicKey alice = Sealing.publicKeyOf(Sealing.decodePrivateKey(base64(ALICE_PRIVATE)));
        PublicKey bob = Sealing.publicKeyOf(Sealing.decodePrivateKey(base64(BOB_PRIVATE)));

        assertThat(Sealing.encodePublicKey(alice)).isEqualTo(base64(ALICE_PUBLIC));
        assertThat(Sealing.encodePublicKey(bob)).isEqualTo(base64(BOB_PUBLIC));
    }

    @Test
    void keys_survive_encoding_as_raw_base64() {
        String publicText = Sealing.encodePublicKey(recipient.getPublic());
        String privateText = Sealing.encodePrivateKey(recipient.getPrivate());

        assertThat(Base64.getDecoder().decode(publicText)).hasSize(32);
        assertThat(Base64.getDecoder().decode(privateText)).hasSize(32);
        assertThat(Sealing.encodePublicKey(Sealing.decodePublicKey(publicText))).isEqualTo(publicText);
        assertThat(Sealing.encodePrivateKey(Sealing.decodePrivateKey(privateText))).isEqualTo(privateText);
        KeyPair restored = Sealing.keyPairOf(Sealing.decodePrivateKey(privateText));
        assertThat(Sealing.encodePublicKey(restored.getPublic())).isEqualTo(publicText);
    }

    @Test
    void many_generated_public_keys_survive_encoding() {
        // Keys whose u-coordinate has leading zero bytes, or a high byte above 0x7f, must round-trip too.
        for (int attempt = 0; attempt < 300; attempt++) {
            PublicKey key = sealing.generateKeyPair().getPublic();
            String text = Sealing.encodePublicKey(key);
            assertThat(Sealing.decodePublicKey(text)).isEqualTo(key);
        }
    }

    @Test
    void a_stub_restored_from_its_persisted_private_key_opens_what_was_sealed_to_it() {
        SealedBox box = sealing.seal(plaintext, Sealing.decodePublicKey(Sealing.encodePublicKey(recipient.getPublic())),
                ASSOCIATED_DATA);
        PrivateKey restored = Sealing.decodePrivateKey(Sealing.encodePrivateKey(recipient.getPrivate()));

        assertThat(sealing.open(box, restored, ASSOCIATED_DATA)).isEqualTo(plaintext);
    }

    @Test
    void a_sealed_box_opens_with_the_recipients_key_and_the_same_associated_data() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);

        assertThat(sealing.open(box, recipient.getPrivate(), ASSOCIATED_DATA)).isEqualTo(plaintext);
        assertThat(box.associatedData()).isEqualTo("asterism-join-bundle:v1:vm-0001");
        assertThat(Base64.getDecoder().decode(box.ciphertext())).hasSize(plaintext.length + 16);
    }

    @Test
    void an_empty_plaintext_seals_and_opens() {
        SealedBox box = sealing.seal(new byte[0], recipient.getPublic(), "");

        assertThat(sealing.open(box, recipient.getPrivate(), "")).isEmpty();
    }

    @Test
    void two_seals_of_the_same_plaintext_differ() {
        SealedBox first = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        SealedBox second = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);

        assertThat(first.ephemeralPublicKey()).isNotEqualTo(second.ephemeralPublicKey());
        assertThat(first.nonce()).isNotEqualTo(second.nonce());
        assertThat(first.ciphertext()).isNotEqualTo(second.ciphertext());
    }

    @Test
    void the_ciphertext_does_not_contain_the_plaintext() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);

        assertThat(new ProtocolCodec().encode(new SealedBundle("b", "m", box)))
                .doesNotContain(Samples.PASSWORD)
                .doesNotContain(BASE64.encodeToString(Samples.PASSWORD.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void a_flipped_bit_anywhere_in_the_ciphertext_makes_opening_fail() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        byte[] ciphertext = Base64.getDecoder().decode(box.ciphertext());

        for (int bit = 0; bit < ciphertext.length * 8; bit++) {
            SealedBox tampered = new SealedBox(box.ephemeralPublicKey(), box.nonce(),
                    BASE64.encodeToString(flip(ciphertext, bit)), box.associatedData());
            assertOpeningFails(tampered, recipient.getPrivate(), SealingException.Code.AUTHENTICATION_FAILED);
        }
    }

    @Test
    void a_flipped_bit_anywhere_in_the_nonce_makes_opening_fail() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        byte[] nonce = Base64.getDecoder().decode(box.nonce());

        for (int bit = 0; bit < nonce.length * 8; bit++) {
            SealedBox tampered = new SealedBox(box.ephemeralPublicKey(), BASE64.encodeToString(flip(nonce, bit)),
                    box.ciphertext(), box.associatedData());
            assertOpeningFails(tampered, recipient.getPrivate(), SealingException.Code.AUTHENTICATION_FAILED);
        }
    }

    @Test
    void a_flipped_bit_anywhere_in_the_ephemeral_key_makes_opening_fail() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        byte[] ephemeral = Base64.getDecoder().decode(box.ephemeralPublicKey());

        for (int bit = 0; bit < ephemeral.length * 8; bit++) {
            SealedBox tampered = new SealedBox(BASE64.encodeToString(flip(ephemeral, bit)), box.nonce(),
                    box.ciphertext(), box.associatedData());
            // Mostly the tag check fails; the top bit (and rarely a low-order point) is refused as a bad key.
            SealingException failure = catchThrowableOfType(SealingException.class,
                    () -> sealing.open(tampered, recipient.getPrivate(), ASSOCIATED_DATA));
            assertThat(failure).as("bit %d", bit).isNotNull();
            assertThat(failure.code()).isIn(SealingException.Code.AUTHENTICATION_FAILED,
                    SealingException.Code.INVALID_KEY);
        }
    }

    @Test
    void a_box_sealed_to_another_key_does_not_open() {
        KeyPair someoneElse = sealing.generateKeyPair();
        SealedBox box = sealing.seal(plaintext, someoneElse.getPublic(), ASSOCIATED_DATA);

        assertOpeningFails(box, recipient.getPrivate(), SealingException.Code.AUTHENTICATION_FAILED);
    }

    @Test
    void a_box_sealed_for_another_vm_does_not_open() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), JoinBundle.associatedDataFor("vm-0002"));

        SealingException failure = catchThrowableOfType(SealingException.class,
                () -> sealing.open(box, recipient.getPrivate(), ASSOCIATED_DATA));

        assertThat(failure.code()).isEqualTo(SealingException.Code.WRONG_ASSOCIATED_DATA);
        assertThat(failure.getMessage()).contains("vm-0002").contains("vm-0001");
    }

    @Test
    void a_box_whose_associated_data_was_rewritten_does_not_open() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), JoinBundle.associatedDataFor("vm-0002"));
        SealedBox relabelled = new SealedBox(box.ephemeralPublicKey(), box.nonce(), box.ciphertext(), ASSOCIATED_DATA);

        assertOpeningFails(relabelled, recipient.getPrivate(), SealingException.Code.AUTHENTICATION_FAILED);
    }

    @Test
    void a_low_order_ephemeral_key_is_refused() {
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        SealedBox lowOrder = new SealedBox(BASE64.encodeToString(new byte[32]), box.nonce(), box.ciphertext(),
                box.associatedData());

        assertOpeningFails(lowOrder, recipient.getPrivate(), SealingException.Code.INVALID_KEY);
    }

    @Test
    void sealing_to_a_low_order_public_key_is_refused() {
        PublicKey zero = Sealing.decodePublicKey(BASE64.encodeToString(new byte[32]));

        SealingException failure = catchThrowableOfType(SealingException.class,
                () -> sealing.seal(plaintext, zero, ASSOCIATED_DATA));

        assertThat(failure.code()).isEqualTo(SealingException.Code.INVALID_KEY);
    }

    @Test
    void keys_that_are_not_x25519_are_refused() throws Exception {
        KeyPair ed25519 = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        KeyPair x448 = KeyPairGenerator.getInstance("X448").generateKeyPair();

        assertThatThrownBy(() -> sealing.seal(plaintext, ed25519.getPublic(), ASSOCIATED_DATA))
                .isInstanceOf(SealingException.class).hasMessageContaining("not an X25519 key");
        assertThatThrownBy(() -> sealing.seal(plaintext, x448.getPublic(), ASSOCIATED_DATA))
                .isInstanceOf(SealingException.class).hasMessageContaining("not an X25519 key");
        assertThatThrownBy(() -> Sealing.encodePrivateKey(x448.getPrivate()))
                .isInstanceOf(SealingException.class);
        SealedBox box = sealing.seal(plaintext, recipient.getPublic(), ASSOCIATED_DATA);
        assertThatThrownBy(() -> sealing.open(box, x448.getPrivate(), ASSOCIATED_DATA))
                .isInstanceOf(SealingException.class);
    }

    @Test
    void badly_encoded_keys_are_refused() {
        BiFunction<String, Boolean, Runnable> decode = (text, isPublic) -> isPublic
                ? () -> Sealing.decodePublicKey(text)
                : () -> Sealing.decodePrivateKey(text);
        for (String text : new String[] {"", "AAAA", "not base64", BASE64.encodeToString(new byte[33])}) {
            for (boolean isPublic : new boolean[] {true, false}) {
                assertThatThrownBy(() -> decode.apply(text, isPublic).run())
                        .isInstanceOf(SealingException.class)
                        .extracting(failure -> ((SealingException) failure).code())
                        .isEqualTo(SealingException.Code.INVALID_KEY);
            }
        }
        byte[] topBitSet = HEX.parseHex(ALICE_PUBLIC);
        topBitSet[31] |= (byte) 0x80;
        assertThatThrownBy(() -> Sealing.decodePublicKey(BASE64.encodeToString(topBitSet)))
                .hasMessageContaining("top bit");
        byte[] fieldPrime = HEX.parseHex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
        assertThatThrownBy(() -> Sealing.decodePublicKey(BASE64.encodeToString(fieldPrime)))
                .hasMessageContaining("u-coordinate");
    }

    @Test
    void failures_never_show_the_plaintext() {
        SealedBox box = sealing.seal(plaintext, sealing.generateKeyPair().getPublic(), ASSOCIATED_DATA);

        SealingException failure = catchThrowableOfType(SealingException.class,
                () -> sealing.open(box, recipient.getPrivate(), ASSOCIATED_DATA));

        assertThat(failure.getMessage()).doesNotContain(Samples.PASSWORD);
        assertThat(String.valueOf(failure.getCause())).doesNotContain(Samples.PASSWORD);
    }

    private void assertOpeningFails(SealedBox box, PrivateKey key, SealingException.Code expected) {
        SealingException failure = catchThrowableOfType(SealingException.class,
                () -> sealing.open(box, key, ASSOCIATED_DATA));
        assertThat(failure).as("opening %s", box).isNotNull();
        assertThat(failure.code()).isEqualTo(expected);
        assertThat(failure.getMessage()).doesNotContain(Samples.PASSWORD);
    }

    private static byte[] flip(byte[] bytes, int bit) {
        byte[] copy = bytes.clone();
        copy[bit / 8] ^= (byte) (1 << (bit % 8));
        return copy;
    }

    private static String base64(String hex) {
        return BASE64.encodeToString(HEX.parseHex(hex));
    }
}
