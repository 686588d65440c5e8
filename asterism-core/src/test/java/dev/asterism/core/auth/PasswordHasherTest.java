package dev.asterism.core.auth;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PasswordHasherTest {
    // Small parameters keep the tests fast; the format and the checks are the same as with DEFAULT.
    private final PasswordHasher hasher = new PasswordHasher(256, 1, 1);

    @Test
    void the_right_password_verifies() {
        String stored = hasher.hash("correct horse battery staple");

        assertThat(hasher.verify("correct horse battery staple", stored)).isTrue();
    }

    @Test
    void a_wrong_password_does_not_verify() {
        String stored = hasher.hash("correct horse battery staple");

        assertThat(hasher.verify("correct horse battery stapler", stored)).isFalse();
        assertThat(hasher.verify("", stored)).isFalse();
        assertThat(hasher.verify("Correct horse battery staple", stored)).isFalse();
    }

    @Test
    void passwords_with_unicode_verify_by_their_utf8_bytes() {
        String stored = hasher.hash("pässwörd-日本-😀");

        assertThat(hasher.verify("pässwörd-日本-😀", stored)).isTrue();
        assertThat(hasher.verify("passwort-日本-😀", stored)).isFalse();
    }

    @Test
    void two_hashes_of_one_password_differ_by_their_salt() {
        String first = hasher.hash("same password");
        String second = hasher.hash("same password");

        assertThat(first).isNotEqualTo(second);
        assertThat(first.split("\\$")[4]).isNotEqualTo(second.split("\\$")[4]);
        assertThat(hasher.verify("same password", first)).isTrue();
        assertThat(hasher.verify("same password", second)).isTrue();
    }

    @Test
    void a_hash_is_a_phc_string_with_its_parameters_salt_and_digest() {
        assertThat(hasher.hash("any password"))
                .matches("\\$argon2id\\$v=19\\$m=256,t=1,p=1\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}");
    }

    @Test
    void the_parameters_in_a_hash_are_honoured_when_verifying() {
        String strongerHash = new PasswordHasher(512, 2, 2).hash("old password");

        assertThat(strongerHash).startsWith("$argon2id$v=19$m=512,t=2,p=2$");
        assertThat(hasher.verify("old password", strongerHash)).isTrue();
        assertThat(hasher.verify("other password", strongerHash)).isFalse();
    }

    @Test
    void changing_the_parameters_of_a_stored_hash_makes_it_fail() {
        String stored = hasher.hash("password");

        assertThat(hasher.verify("password", stored.replace("m=256,t=1,p=1", "m=256,t=2,p=1"))).isFalse();
        assertThat(hasher.verify("password", stored.replace("m=256,t=1,p=1", "m=512,t=1,p=1"))).isFalse();
        assertThat(hasher.verify("password", stored.replace("m=256,t=1,p=1", "m=256,t=1,p=2"))).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "password",
        "$",
        "$argon2id$",
        "$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$2b$12$abcdefghijklmnopqrstuuCz2QWJ1d1h6f0Ip1Oq0cK.6dG1R1B6y",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$",
        "$argon2id$v=19$m=256,t=1,p=1$$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1$not base64!$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$***",
        "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$q=1,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=99999999999,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=0,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=0$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=0,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=-5,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1$c2E$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaA",
        "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g$extra",
    })
    void a_malformed_stored_hash_never_verifies_and_never_throws(String stored) {
        assertThat(hasher.verify("password", stored)).isFalse();
    }

    @Test
    void the_default_hasher_uses_owasps_setting_and_verifies() {
        String stored = PasswordHasher.DEFAULT.hash("a long enough password");

        assertThat(stored).startsWith("$argon2id$v=19$m=19456,t=2,p=1$");
        assertThat(PasswordHasher.DEFAULT.verify("a long enough password", stored)).isTrue();
        assertThat(PasswordHasher.DEFAULT.verify("a long enough passworD", stored)).isFalse();
        assertThat(hasher.verify("a long enough password", stored)).isTrue();
    }

    @Test
    void verifying_nothing_spends_the_time_without_failing() {
        hasher.verifyNothing("whatever");
        PasswordHasher.DEFAULT.verifyNothing("whatever");
    }
}
