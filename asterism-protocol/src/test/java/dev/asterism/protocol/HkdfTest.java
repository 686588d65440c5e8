package dev.asterism.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class HkdfTest {

    private static final HexFormat HEX = HexFormat.of();

    @Test
    void extract_and_expand_match_rfc_5869_test_case_1() {
        byte[] inputKeyMaterial = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
        byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");

        byte[] pseudorandomKey = Hkdf.extract(salt, inputKeyMaterial);
        byte[] output = Hkdf.expand(pseudorandomKey, info, 42);

        assertThat(HEX.formatHex(pseudorandomKey))
                .isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
        assertThat(HEX.formatHex(output)).isEqualTo(
                "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
        assertThat(Hkdf.derive(salt, inputKeyMaterial, info, 42)).isEqualTo(output);
    }

    @Test
    void extract_and_expand_match_rfc_5869_test_case_3_with_empty_salt_and_info() {
        byte[] inputKeyMaterial = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");

        byte[] output = Hkdf.derive(new byte[0], inputKeyMaterial, new byte[0], 42);

        assertThat(HEX.formatHex(output)).isEqualTo(
                "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
    }

    @Test
    void expand_refuses_more_than_255_blocks() {
        assertThatThrownBy(() -> Hkdf.expand(new byte[32], new byte[0], 255 * 32 + 1))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
