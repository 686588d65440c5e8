package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.core.constellation.ConstellationService;
import dev.asterism.core.vm.VmService;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One user who is not an admin cannot flood the realm: at most {@value VmService#STARTING_PER_USER} VMs starting and
 * {@value ConstellationService#JOINING_PER_OWNER} members joining at once; more are refused with 429 and
 * Retry-After until some are up. The sim realm's agents are held back here, so that nothing finishes starting.
 */
class StartBoundsTest {

    @Test
    void a_user_has_at_most_twenty_vms_starting_at_once_and_an_admin_is_not_bound() {
        try (TestServer server = TestServer.start()) {
            Api quinn = server.user("quinn", "user");
            server.admin.put("/bricks/worker/grants/quinn", Map.of("level", "use")).expect(200);
            server.sim().neverRegisterAll(true);
            for (int i = 0; i < VmService.STARTING_PER_USER; i++) {
                quinn.post("/vms", Map.of("name", "q" + i, "brick", "worker")).expect(202);
            }
            Api.Response refused = quinn.post("/vms", Map.of("name", "one-more", "brick", "worker"));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.header("Retry-After")).isNotNull();
            assertThat(refused.json().get("message").asText()).contains("20 VMs starting");
            quinn.get("/vms/one-more").expect(404);
            server.admin.post("/vms", Map.of("name", "admins-own", "brick", "worker")).expect(202);
        }
    }

    @Test
    void an_owner_has_at_most_a_hundred_members_joining_at_once() throws Exception {
        try (TestServer server = TestServer.start()) {
            Api rita = server.user("rita", "user");
            server.admin.put("/bricks/controller/grants/rita", Map.of("level", "manage")).expect(200);
            server.admin.put("/bricks/worker/grants/rita", Map.of("level", "manage")).expect(200);
            rita.post("/constellations", Map.of("name", "big", "brick", "controller")).expect(202);
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (!rita.get("/constellations/big").expect(200).json().get("state").asText().equals("ACTIVE")) {
                assertThat(System.nanoTime()).as("big ACTIVE").isLessThan(deadline);
                Thread.sleep(50);
            }
            server.sim().neverRegisterAll(true);
            rita.post("/constellations/big/members", Map.of("brick", "worker", "count", 60)).expect(202);
            Api.Response refused = rita.post("/constellations/big/members", Map.of("brick", "worker", "count", 41));
            assertThat(refused.status()).isEqualTo(429);
            assertThat(refused.json().get("message").asText()).contains("60 members").contains("still joining");
            rita.post("/constellations/big/members", Map.of("brick", "worker", "count", 40)).expect(202);
            assertThat(rita.get("/constellations/big").expect(200).json().get("members")).hasSize(100);
        }
    }
}
