package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVmSpec;
import dev.asterism.testing.MutableClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The VM reconciler against the sim realm's faults, on an injected clock. */
class VmReconcilerTest {
    private MutableClock clock;
    private TestServer server;
    private Api admin;

    @BeforeEach
    void start() {
        clock = TestServer.mutableClock();
        server = TestServer.start(clock, config -> config);
        admin = server.admin;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private String idOf(String name) {
        return admin.get("/vms/" + name).expect(200).json().get("id").asText();
    }

    private JsonNode vm(String name) {
        return admin.get("/vms/" + name).expect(200).json();
    }

    @Test
    void a_vm_whose_agent_never_registers_is_destroyed_at_the_deadline_with_a_reason() {
        server.sim().neverRegisterAll(true);
        admin.post("/vms", Map.of("name", "silent", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "silent", "AWAITING_REGISTRATION");
        clock.advance(Duration.ofMinutes(4));
        server.server.reconciler().runDue();
        assertThat(vm("silent").get("state").asText()).isEqualTo("AWAITING_REGISTRATION");
        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        server.awaitVmState(admin, "silent", "FAILED");
        assertThat(vm("silent").get("reason").asText()).contains("did not register within 5m").contains("destroyed");
        server.sim().assertNoLeaks();
        admin.post("/vms/silent/start", null).expect(409);
        admin.delete("/vms/silent").expect(202);
        server.awaitVmState(admin, "silent", "DESTROYED");
    }

    /** A VM the realm reported running before its agent registered starts running at the registration. */
    @Test
    void a_vm_that_runs_from_its_agents_registration_counts_in_usage_from_then() {
        server.sim().neverRegisterAll(true);
        admin.post("/vms", Map.of("name", "late", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "late", "AWAITING_REGISTRATION");
        server.sim().neverRegisterAll(false);
        server.awaitVmState(admin, "late", "RUNNING");
        clock.advance(Duration.ofHours(2));
        JsonNode records = admin.get("/projects/default/usage").expect(200).json();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("vmHours").asDouble()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void a_vm_the_realm_lost_becomes_failed_with_a_reason() {
        admin.post("/vms", Map.of("name", "lost", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "lost", "RUNNING");
        server.sim().loseVm(idOf("lost"));
        server.server.reconciler().repairDrift();
        server.awaitVmState(admin, "lost", "FAILED");
        assertThat(vm("lost").get("reason").asText()).contains("no longer has this VM");
    }

    @Test
    void a_realm_vm_unknown_to_the_store_is_destroyed_after_the_grace_period() {
        server.sim().create(new RealmVmSpec("stray-vm", "stray", OsFamily.LINUX, "linux", 1, 512, 1,
                new Bootstrap("wss://127.0.0.1:1/agent/v1", "00".repeat(32), "unused")));
        server.server.reconciler().repairDrift();
        assertThat(server.sim().vmCount()).isEqualTo(1);
        assertThat(admin.get("/audit?action=realm.orphan-found").expect(200).json().findValuesAsText("vmId"))
                .contains("stray-vm");
        clock.advance(Duration.ofMinutes(2).plusSeconds(1));
        server.server.reconciler().repairDrift();
        assertThat(server.sim().vmCount()).isZero();
        assertThat(admin.get("/audit?action=realm.orphan-destroyed").expect(200).json().findValuesAsText("vmId"))
                .contains("stray-vm");
    }

    @Test
    void a_create_that_fails_for_a_while_is_retried_with_back_off_until_it_succeeds() {
        server.sim().failNthCreate(1);
        admin.post("/vms", Map.of("name", "retried", "brick", "worker")).expect(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (vm("retried").get("state").asText().equals("REQUESTED") && System.nanoTime() < deadline) {
            clock.advance(Duration.ofSeconds(1));
            server.server.reconciler().runDue();
        }
        server.awaitVmState(admin, "retried", "RUNNING");
        assertThat(admin.get("/audit?action=vm.failed").expect(200).json()).isEmpty();
    }

    @Test
    void a_create_the_realm_refuses_for_good_fails_the_vm_and_leaves_nothing() {
        server.sim().failNextOperation(RealmException.Code.NO_CAPACITY);
        admin.post("/vms", Map.of("name", "refused", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "refused", "FAILED");
        assertThat(vm("refused").get("reason").asText()).contains("the realm refused");
        server.sim().assertNoLeaks();
    }

    @Test
    void a_vm_that_fails_to_boot_becomes_failed_and_is_released() {
        server.close();
        server = TestServer.start(clock, config -> config.withRealm("sim", "realistic"));
        admin = server.admin;
        admin.post("/vms", Map.of("name", "broken", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "broken", "STARTING");
        server.sim().failVm(idOf("broken"));
        // The reconciler looks at a starting VM again a poll later on the server's clock, which the test moves.
        clock.advance(Duration.ofSeconds(1));
        server.awaitVmState(admin, "broken", "FAILED");
        assertThat(vm("broken").get("reason").asText()).contains("failed to start");
        server.sim().assertNoLeaks();
    }

    @Test
    void the_reconciler_resumes_after_a_restart_on_the_same_database() {
        server.close();
        server = TestServer.start(clock, config -> config.withRealm("sim", "realistic"));
        admin = server.admin;
        admin.post("/vms", Map.of("name", "survivor", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "survivor", "STARTING");
        var data = server.dataDirectory;
        server.closeKeepingData();
        // The sim realm keeps its VMs in the data directory: the VM kept booting while no server ran, and the new
        // server's reconciler carries on with it.
        server = TestServer.start(clock, config -> config.withRealm("sim", "realistic")
                .withDataDirectory(data));
        admin = server.admin;
        clock.advance(Duration.ofMinutes(1));
        server.awaitVmState(admin, "survivor", "RUNNING");
        server.sim().loseVm(idOf("survivor"));
        clock.advance(Duration.ofMinutes(5));
        server.awaitVmState(admin, "survivor", "FAILED");
        assertThat(vm("survivor").get("reason").asText()).contains("no longer has this VM");
    }
}
