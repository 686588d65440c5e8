package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.core.constellation.Member;
import dev.asterism.core.constellation.MemberPhase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The controller's agent killed (and restarted by its supervisor on its saved state) while a member is in each
 * onboarding phase: the member still reaches READY and the invariants hold. The server keeps running; the
 * server-crash counterpart is ServerCrashTest in asterism-cli.
 */
class ControllerAgentCrashTest {
    private static final List<MemberPhase> PHASES = List.of(MemberPhase.REQUEST_VM, MemberPhase.OPEN_PORTS,
            MemberPhase.INJECT, MemberPhase.JOIN, MemberPhase.VPN, MemberPhase.CLOSE_PORTS);
    private static final int ATTEMPTS_PER_PHASE = 10;

    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void the_controllers_agent_killed_at_every_phase_still_brings_each_member_to_ready() throws Exception {
        server = TestServer.start();
        server.admin.post("/constellations", Map.of("name", "ka", "brick", "controller")).expect(202);
        await(c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        String controllerVm = server.admin.get("/vms/ka-controller").expect(200).json().get("id").asText();

        Set<MemberPhase> killedIn = EnumSet.noneOf(MemberPhase.class);
        List<String> log = new ArrayList<>();
        int next = 1;
        for (MemberPhase target : PHASES) {
            for (int attempt = 1; attempt <= ATTEMPTS_PER_PHASE && !killedIn.contains(target); attempt++) {
                String member = "m" + next++;
                server.admin.post("/constellations/ka/members", Map.of("brick", "worker", "names", List.of(member)))
                        .expect(202);
                if (!awaitPhase(member, target)) {
                    log.add(member + ": passed " + target + " first");
                } else {
                    MemberPhase atKill = phaseOf(member).orElseThrow();
                    assertThat(server.server.simAgents().orElseThrow().killAgent(controllerVm)).isTrue();
                    killedIn.add(atKill);
                    log.add(member + ": controller agent killed in " + atKill);
                }
                await(ControllerAgentCrashTest::allReady, "every member READY (" + log + ")");
            }
        }
        assertThat(killedIn).as("phases a kill hit: %s", log).containsAll(PHASES);
        server.assertInvariants();
    }

    private boolean awaitPhase(String member, MemberPhase target) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            Optional<MemberPhase> phase = phaseOf(member);
            if (phase.isPresent() && phase.get() == target) {
                return true;
            }
            if (phase.isPresent() && phase.get().ordinal() > target.ordinal()) {
                return false;
            }
            Thread.sleep(Duration.ofNanos(200_000));
        }
        throw new AssertionError(member + " never reached " + target);
    }

    private Optional<MemberPhase> phaseOf(String member) {
        return server.server.store().call(t -> t.constellations().member("ka", member)).map(Member::phase);
    }

    private JsonNode await(Predicate<JsonNode> done, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = server.admin.get("/constellations/ka").expect(200).json();
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(25);
        }
        throw new AssertionError("ka did not reach " + what + " within 60 s: " + last);
    }

    private static boolean allReady(JsonNode constellation) {
        return constellation.get("members").findValuesAsText("phase").stream().allMatch("READY"::equals);
    }
}
