package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class VmLifecycleTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void a_vm_started_from_a_brick_runs_stops_starts_again_and_is_destroyed() {
        Api admin = server.admin;
        var started = admin.post("/vms", Map.of("name", "w1", "brick", "worker")).expect(202).json();
        assertThat(started.get("state").asText()).isEqualTo("REQUESTED");
        assertThat(started.get("owner").asText()).isEqualTo("admin");
        assertThat(started.get("realm").asText()).isEqualTo("sim");
        assertThat(started.get("profile").asText()).isEqualTo("small");

        server.awaitVmState(admin, "w1", "RUNNING");
        var running = admin.get("/vms/w1").expect(200).json();
        assertThat(running.get("registeredAt").isNull()).isFalse();
        assertThat(running.get("addresses")).isNotEmpty();

        admin.post("/vms/w1/stop", null).expect(202);
        server.awaitVmState(admin, "w1", "STOPPED");
        admin.post("/vms/w1/start", null).expect(202);
        server.awaitVmState(admin, "w1", "RUNNING");
        admin.delete("/vms/w1").expect(202);
        server.awaitVmState(admin, "w1", "DESTROYED");

        assertThat(admin.get("/vms").expect(200).json()).isEmpty();
        server.sim().assertNoLeaks();
        var actions = admin.get("/audit?limit=1000").expect(200).json().findValuesAsText("action");
        // The simulated agent may register before or after the reconciler records STARTING: both orders are right.
        assertThat(actions).contains("vm.registered");
        assertThat(actions).containsSubsequence("vm.requested", "vm.starting", "vm.stop-requested",
                "vm.stopping", "vm.stopped", "vm.start-requested", "vm.starting", "vm.running",
                "vm.destroy-requested", "vm.destroyed");
        assertThat(admin.get("/audit/verify").expect(200).json().get("valid").asBoolean()).isTrue();
    }

    @Test
    void a_user_created_again_under_a_deleted_users_name_inherits_nothing_of_theirs() {
        Api ivy = server.user("ivy", "user");
        server.admin.put("/bricks/worker/grants/ivy", Map.of("level", "use")).expect(200);
        ivy.post("/vms", Map.of("name", "ivy-vm", "brick", "worker")).expect(202);
        server.awaitVmState(ivy, "ivy-vm", "RUNNING");
        server.admin.delete("/users/ivy").expect(409);
        ivy.delete("/vms/ivy-vm").expect(202);
        server.awaitVmState(ivy, "ivy-vm", "DESTROYED");
        server.admin.delete("/users/ivy").expect(204);

        Api again = server.user("ivy", "user");
        again.get("/vms/ivy-vm").expect(404);
        assertThat(again.get("/vms").expect(200).json()).isEmpty();
        assertThat(server.admin.get("/vms/ivy-vm").expect(200).json().get("owner").asText()).startsWith("~deleted-");
        assertThat(server.admin.get("/audit?action=user.deleted").expect(200).json().findValuesAsText("formerOwner"))
                .hasSize(1);
    }

    @Test
    void the_name_of_a_destroyed_vm_can_be_used_again() {
        Api admin = server.admin;
        admin.post("/vms", Map.of("name", "again", "brick", "worker")).expect(202);
        admin.post("/vms", Map.of("name", "again", "brick", "worker")).expect(409);
        admin.delete("/vms/again").expect(202);
        server.awaitVmState(admin, "again", "DESTROYED");
        admin.post("/vms", Map.of("name", "again", "brick", "worker", "profile", "medium")).expect(202);
        server.awaitVmState(admin, "again", "RUNNING");
        assertThat(admin.get("/vms/again").json().get("vcpus").asInt()).isEqualTo(2);
        admin.delete("/vms/again").expect(202);
        server.awaitVmState(admin, "again", "DESTROYED");
    }
}
