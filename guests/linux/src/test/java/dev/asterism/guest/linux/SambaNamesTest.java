package dev.asterism.guest.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Names Samba AD accepts for a controller, whatever the VM is called. */
class SambaNamesTest {

    @Test
    void a_controller_name_of_up_to_15_characters_stays_and_a_longer_one_becomes_15_stable_characters() {
        assertThat(SambaDomainController.netbiosHostName("c1-controller")).isEqualTo("c1-controller");
        assertThat(SambaDomainController.netbiosHostName("Lab-Controller7")).isEqualTo("lab-controller7");

        String shortened = SambaDomainController.netbiosHostName("crash-controller");
        assertThat(shortened).hasSize(15).startsWith("crash-cont-").matches("[a-z0-9][a-z0-9-]*[a-z0-9]");
        assertThat(SambaDomainController.netbiosHostName("crash-controller")).isEqualTo(shortened);
        assertThat(SambaDomainController.netbiosHostName("crash-controller2")).isNotEqualTo(shortened);
        assertThat(SambaDomainController.netbiosHostName("abcdefghi-controller")).startsWith("abcdefghix-");
    }
}
