package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A few hundred members at once on the sim realm (each a real agent over the real TLS channel): every one converges
 * to READY, the invariants hold while some leave and a whole constellation goes, and nothing is left at the end. It
 * asserts convergence and invariants, never time; {@code asterism bench onboarding} measures the time.
 */
class OnboardingAtScaleTest {
    private static final int CONSTELLATIONS = 3;
    private static final int MEMBERS = 80;

    private TestServer server;
    private Api admin;

    @BeforeEach
    void start() {
        server = TestServer.start();
        admin = server.admin;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void hundreds_of_members_added_at_once_all_become_ready_and_leave_nothing_behind() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= CONSTELLATIONS; i++) {
            names.add("scale" + i);
            admin.post("/constellations", Map.of("name", "scale" + i, "brick", "controller")).expect(202);
        }
        for (String name : names) {
            await(name, c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        }
        for (String name : names) {
            admin.post("/constellations/" + name + "/members", Map.of("brick", "worker", "count", MEMBERS))
                    .expect(202);
        }
        for (String name : names) {
            await(name, c -> phases(c).size() == MEMBERS && phases(c).stream().allMatch("READY"::equals),
                    MEMBERS + " READY members");
        }
        assertThat(server.server.simAgents().orElseThrow().network().computerCount())
                .isEqualTo(CONSTELLATIONS * MEMBERS);
        server.assertInvariants();

        // Some leave while the rest stay, and a whole constellation goes with its members.
        for (int i = 1; i <= 10; i++) {
            admin.delete("/constellations/scale1/members/w" + i).expect(202);
        }
        admin.delete("/constellations/scale2").expect(202);
        await("scale1", c -> phases(c).size() == MEMBERS - 10, (MEMBERS - 10) + " members left");
        await("scale2", c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
        server.assertInvariants();

        admin.delete("/constellations/scale1").expect(202);
        admin.delete("/constellations/scale3").expect(202);
        await("scale1", c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
        await("scale3", c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
        for (String name : names) {
            server.awaitVmState(admin, name + "-controller", "DESTROYED");
        }
        server.sim().assertNoLeaks();
        assertThat(server.server.simAgents().orElseThrow().network().guests()).isEmpty();
        assertThat(admin.get("/audit/verify").expect(200).json().get("valid").asBoolean()).isTrue();
    }

    private static List<String> phases(JsonNode constellation) {
        JsonNode members = constellation.get("members");
        return members == null ? Collections.emptyList() : members.findValuesAsText("phase");
    }

    /** Waits for the constellation, failing with how many members are in each phase; the bound is no timing claim. */
    private void await(String name, Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = admin.get("/constellations/" + name).expect(200).json();
            if (done.test(last)) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        Map<String, Long> byPhase = new java.util.TreeMap<>();
        phases(last).forEach(phase -> byPhase.merge(phase, 1L, Long::sum));
        throw new AssertionError("constellation " + name + " did not reach " + what + " within 5 min: state "
                + last.get("state").asText() + ", members by phase " + byPhase + ", reason " + last.path("reason"));
    }
}
