package dev.asterism.core.validation;

import static dev.asterism.core.validation.ValidateTest.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.asterism.core.catalog.Capability;
import dev.asterism.core.permission.GrantLevel;
import dev.asterism.core.user.Role;
import dev.asterism.core.vm.DesiredState;
import dev.asterism.core.vm.VmState;
import dev.asterism.spi.realm.OsFamily;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireNamesTest {

    @Test
    void enum_constants_appear_in_lower_case_with_hyphens() {
        assertThat(WireNames.of(Role.SUPER_ADMIN)).isEqualTo("super-admin");
        assertThat(WireNames.of(Role.USER)).isEqualTo("user");
        assertThat(WireNames.of(GrantLevel.MANAGE)).isEqualTo("manage");
        assertThat(WireNames.of(Capability.CONTROLLER)).isEqualTo("controller");
        assertThat(WireNames.of(OsFamily.WINDOWS)).isEqualTo("windows");
        assertThat(WireNames.of(VmState.AWAITING_REGISTRATION)).isEqualTo("awaiting-registration");
    }

    @Test
    void every_constant_of_every_wire_enum_round_trips() {
        for (Class<? extends Enum<?>> type : List.<Class<? extends Enum<?>>>of(Role.class, GrantLevel.class,
                Capability.class, OsFamily.class, VmState.class, DesiredState.class)) {
            assertRoundTrip(type);
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void assertRoundTrip(Class type) {
        for (Object constant : type.getEnumConstants()) {
            String wire = WireNames.of((Enum<?>) constant);
            assertThat(WireNames.parse("field", wire, type)).isSameAs(constant);
            assertThat(wire).matches("[a-z]+(-[a-z]+)*");
        }
    }

    @Test
    void an_unknown_value_fails_with_a_message_listing_the_choices() {
        assertInvalid(() -> WireNames.parse("role", "root", Role.class), "role",
                "'root' is not one of super-admin, admin, user");
        assertInvalid(() -> WireNames.parse("level", "own", GrantLevel.class), "level", "use, manage");
        assertInvalid(() -> WireNames.parse("capabilities", "gpu", Capability.class), "capabilities",
                "controller, worker");
        assertInvalid(() -> WireNames.parse("osFamily", "macos", OsFamily.class), "osFamily", "linux, windows");
    }

    @Test
    void java_constant_names_and_other_spellings_are_not_wire_names() {
        assertInvalid(() -> WireNames.parse("role", "SUPER_ADMIN", Role.class), "role", "is not one of");
        assertInvalid(() -> WireNames.parse("role", "super_admin", Role.class), "role", "is not one of");
        assertInvalid(() -> WireNames.parse("role", "Admin", Role.class), "role", "is not one of");
        assertInvalid(() -> WireNames.parse("role", " admin", Role.class), "role", "is not one of");
    }

    @Test
    void a_missing_value_is_required() {
        assertInvalid(() -> WireNames.parse("role", null, Role.class), "role", "is required");
        assertInvalid(() -> WireNames.parse("role", "", Role.class), "role", "is required");
    }

    @Test
    void a_long_unknown_value_is_cut_in_the_message() {
        assertThatThrownBy(() -> WireNames.parse("role", "x".repeat(1000), Role.class))
                .hasMessageContaining("x".repeat(40) + "…")
                .hasMessageNotContaining("x".repeat(41));
    }

    @Test
    void choices_lists_every_constant_in_declaration_order() {
        assertThat(WireNames.choices(VmState.class)).isEqualTo(
                "requested, starting, awaiting-registration, running, stopping, stopped, destroyed, failed");
    }
}
