package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A one-time token works once; the same agent repeating its registration with both of its keys (its first answer
 * was lost in a crash) is accepted again, and anyone else with the token is refused, each audited.
 */
class RegistrationRepeatTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void only_the_same_agent_with_both_keys_may_repeat_a_registration() throws Exception {
        server = TestServer.start();
        Properties bootstrap = server.bootstrapOfVmWithoutAgent("again");
        String vmId = bootstrap.getProperty("vmId");
        String token = bootstrap.getProperty("registrationToken");
        var vms = server.server.vms();

        assertThat(vms.register(vmId, "wrong-token", "sealing-key", "tls-key")).isFalse();
        assertThat(vms.register(vmId, token, "sealing-key", "tls-key")).isTrue();
        assertThat(vms.register(vmId, token, "sealing-key", "tls-key")).as("the same agent again").isTrue();
        assertThat(vms.register(vmId, token, "sealing-key", "another-tls-key")).as("another TLS key").isFalse();
        assertThat(vms.register(vmId, token, "another-sealing-key", "tls-key")).as("another sealing key").isFalse();

        assertThat(server.admin.get("/audit?action=vm.registration-repeated").expect(200).json()).hasSize(1);
        assertThat(server.admin.get("/audit?action=vm.registration-refused").expect(200).json()).hasSize(3);
    }
}
