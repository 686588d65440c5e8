package dev.asterism.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegistrationTokensTest {
    private final RegistrationTokens tokens = new RegistrationTokens("server-key-1");

    @Test
    void a_token_is_deterministic_per_key_and_vm_id() {
        assertThat(tokens.tokenFor("vm-1")).isEqualTo(tokens.tokenFor("vm-1"))
                .isEqualTo(new RegistrationTokens("server-key-1").tokenFor("vm-1"))
                .startsWith("reg_")
                .matches("reg_[A-Za-z0-9_-]{43}");
    }

    @Test
    void tokens_differ_across_vm_ids() {
        assertThat(tokens.tokenFor("vm-1")).isNotEqualTo(tokens.tokenFor("vm-2"));
        assertThat(tokens.tokenFor("vm-1")).isNotEqualTo(tokens.tokenFor("vm-10"));
    }

    @Test
    void tokens_differ_across_keys() {
        assertThat(tokens.tokenFor("vm-1")).isNotEqualTo(new RegistrationTokens("server-key-2").tokenFor("vm-1"));
    }

    @Test
    void a_vm_own_token_matches() {
        assertThat(tokens.matches("vm-1", tokens.tokenFor("vm-1"))).isTrue();
    }

    @Test
    void null_empty_and_wrong_tokens_do_not_match() {
        String token = tokens.tokenFor("vm-1");
        String flipped = token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A");

        assertThat(tokens.matches("vm-1", null)).isFalse();
        assertThat(tokens.matches("vm-1", "")).isFalse();
        assertThat(tokens.matches("vm-1", tokens.tokenFor("vm-2"))).isFalse();
        assertThat(tokens.matches("vm-1", new RegistrationTokens("server-key-2").tokenFor("vm-1"))).isFalse();
        assertThat(tokens.matches("vm-1", flipped)).isFalse();
        assertThat(tokens.matches("vm-1", token.substring(0, token.length() - 1))).isFalse();
        assertThat(tokens.matches("vm-1", token + "x")).isFalse();
    }
}
