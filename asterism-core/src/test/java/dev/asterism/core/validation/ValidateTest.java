package dev.asterism.core.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class ValidateTest {

    @ParameterizedTest
    @ValueSource(strings = {"a", "w1", "web-01", "a-b-c", "x0", "worker", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk"})
    void dns_labels_of_1_to_63_characters_are_valid_names(String name) {
        assertThat(name.length()).isBetween(1, 63);
        assertThat(Validate.name("name", name)).isEqualTo(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Web", "WEB", "1web", "-web", "web-", "we_b", "we b", "we.b", "wéb", "w😀", "ｗｅｂ", "web\n"})
    void names_that_are_not_dns_labels_are_rejected(String name) {
        assertInvalid(() -> Validate.name("name", name), "name", "is not a valid name");
    }

    @Test
    void a_name_of_64_characters_is_rejected() {
        assertInvalid(() -> Validate.name("name", "a".repeat(64)), "name", "1 to 63");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void a_missing_name_is_required(String name) {
        assertInvalid(() -> Validate.name("vmName", name), "vmName", "is required");
    }

    @Test
    void a_rejected_value_is_quoted_without_its_control_characters() {
        assertThatThrownBy(() -> Validate.name("name", "bad\nname\u0007"))
                .hasMessageContaining("'bad?name?'")
                .hasMessageNotContaining("\n");
    }

    @Test
    void a_very_long_rejected_value_is_cut_in_the_message() {
        assertThatThrownBy(() -> Validate.name("name", "X".repeat(500)))
                .hasMessageContaining("X".repeat(70) + "…")
                .hasMessageNotContaining("X".repeat(71));
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "a", "a.b_c-d", "bob2", "abcdefghijklmnopqrstuvwxyzabcdef"})
    void user_names_of_lower_case_letters_digits_dots_underscores_and_hyphens_are_valid(String username) {
        assertThat(Validate.username("username", username)).isEqualTo(username);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Alice", "1alice", ".alice", "_alice", "-alice", "al ice", "alice@example", "zoë",
        "abcdefghijklmnopqrstuvwxyzabcdefg"})
    void other_user_names_are_rejected(String username) {
        assertInvalid(() -> Validate.username("username", username), "username", "is not a valid user name");
    }

    @ParameterizedTest
    @NullAndEmptySource
    void a_missing_user_name_is_required(String username) {
        assertInvalid(() -> Validate.username("username", username), "username", "is required");
    }

    @Test
    void passwords_of_10_to_256_characters_are_accepted() {
        assertThat(Validate.newPassword("password", "p".repeat(10))).hasSize(10);
        assertThat(Validate.newPassword("password", "p".repeat(256))).hasSize(256);
        assertThat(Validate.newPassword("password", "ünïcödé 日本語 😀")).isEqualTo("ünïcödé 日本語 😀");
    }

    @Test
    void passwords_too_short_or_too_long_are_rejected_without_echoing_them() {
        assertInvalid(() -> Validate.newPassword("password", "secret-123".substring(0, 9)), "password", "too short");
        assertInvalid(() -> Validate.newPassword("password", "p".repeat(257)), "password", "too long");
        assertInvalid(() -> Validate.newPassword("password", null), "password", "is required");
        assertThatThrownBy(() -> Validate.newPassword("password", "secret-12")).hasMessageNotContaining("secret-12");
    }

    @Test
    void a_range_accepts_its_bounds_and_rejects_values_outside_them() {
        assertThat(Validate.range("vcpus", 1, 1, 256)).isEqualTo(1);
        assertThat(Validate.range("vcpus", 256, 1, 256)).isEqualTo(256);
        assertInvalid(() -> Validate.range("vcpus", 0, 1, 256), "vcpus", "0 is out of range");
        assertInvalid(() -> Validate.range("vcpus", 257, 1, 256), "vcpus", "from 1 to 256");
        assertInvalid(() -> Validate.range("vcpus", Integer.MIN_VALUE, 1, 256), "vcpus", "out of range");
        assertInvalid(() -> Validate.range("vcpus", null, 1, 256), "vcpus", "is required");
    }

    @Test
    void text_may_be_missing_hold_tabs_and_unicode_up_to_its_maximum() {
        assertThat(Validate.text("description", null, 10)).isEmpty();
        assertThat(Validate.text("description", "", 10)).isEmpty();
        assertThat(Validate.text("description", "a\tb", 10)).isEqualTo("a\tb");
        assertThat(Validate.text("description", "日本語 ok", 10)).isEqualTo("日本語 ok");
        assertThat(Validate.text("description", "x".repeat(10), 10)).hasSize(10);
    }

    @Test
    void text_longer_than_its_maximum_is_rejected() {
        assertInvalid(() -> Validate.text("description", "x".repeat(11), 10), "description", "at most 10 characters");
    }

    @ParameterizedTest
    @ValueSource(strings = {"line\nbreak", "carriage\rreturn", "nul\u0000", "bell\u0007", "escape\u001b[31m"})
    void text_with_control_characters_is_rejected(String text) {
        assertInvalid(() -> Validate.text("description", text, 100), "description", "control characters");
    }

    @Test
    void present_requires_a_non_empty_value() {
        assertThat(Validate.present("field", " ")).isEqualTo(" ");
        assertInvalid(() -> Validate.present("field", ""), "field", "is required");
        assertInvalid(() -> Validate.present("field", null), "field", "is required");
    }

    static void assertInvalid(ThrowingCallable call, String field, String messagePart) {
        assertThatThrownBy(call).isInstanceOfSatisfying(AsterismException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.VALIDATION_FAILED);
            assertThat(e.details()).containsEntry("field", field);
            assertThat(e.getMessage()).startsWith(field + ": ").contains(messagePart);
        });
    }
}
