package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.guest.sim.SimOperation;
import dev.asterism.server.sim.SimInvariants;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.RealmVmSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A fault in the controller's guest at each onboarding phase: the member ends FAILED with a readable reason, its
 * cleanup done (no lease, peer or computer account left, its VM destroyed), and a retry brings it to READY.
 */
class MemberFaultTest {
    private TestServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private JsonNode await(String name, Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = server.admin.get("/constellations/" + name).expect(200).json();
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(25);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError(name + " did not reach " + what + " within 60 s: " + last);
    }

    private SimGuestNetwork network() {
        return server.server.simAgents().orElseThrow().network();
    }

    private SimGuestPlatform controllerGuest(String constellation) {
        String address = server.admin.get("/vms/" + constellation + "-controller").expect(200).json()
                .get("addresses").get(0).asText();
        return network().guests().stream().filter(guest -> guest.underlayAddress().toString().equals(address))
                .findFirst().orElseThrow();
    }

    private void activeConstellation(String name) {
        server = TestServer.start();
        server.admin.post("/constellations", Map.of("name", name, "brick", "controller")).expect(202);
        await(name, c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
    }

    private static Predicate<JsonNode> onlyMember(String phase) {
        return c -> c.get("members").findValuesAsText("phase").equals(List.of(phase));
    }

    @ParameterizedTest(name = "{0} fails at {1}")
    @CsvSource({
        "OPEN_LEASE, OPEN_PORTS",
        "PRESET_COMPUTER, INJECT",
        "VERIFY_JOIN, VPN",
        "ADD_PEER, VPN",
        "CLOSE_LEASE, CLOSE_PORTS"
    })
    void a_fault_at_a_phase_fails_the_member_with_its_reason_cleans_up_and_a_retry_succeeds(
            SimOperation operation, String phase) {
        activeConstellation("cf");
        controllerGuest("cf").failNext(operation, GuestException.Code.INVALID);
        server.admin.post("/constellations/cf/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);

        JsonNode failed = await("cf", onlyMember("FAILED"), "FAILED");
        assertThat(failed.get("members").get(0).get("condition").asText()).startsWith(phase + " failed:");
        server.awaitVmState(server.admin, "cf-m1", "DESTROYED");
        assertThat(network().openLeaseCount()).as("open leases").isZero();
        assertThat(network().peerCount()).as("VPN peers").isZero();
        assertThat(network().computerCount()).as("computer accounts").isZero();
        server.assertInvariants();

        server.admin.post("/constellations/cf/members/m1/retry", null).expect(202);
        await("cf", onlyMember("READY"), "READY after a retry");
        assertThat(network().computerCount()).isEqualTo(1);
        assertThat(network().peerCount()).isEqualTo(1);
        assertThat(network().openLeaseCount()).isZero();
        server.assertInvariants();
    }

    @Test
    void a_passing_fault_is_retried_and_the_member_still_reaches_ready() {
        activeConstellation("cp");
        controllerGuest("cp").failNext(SimOperation.ADD_PEER, GuestException.Code.UNAVAILABLE);
        server.admin.post("/constellations/cp/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);
        await("cp", onlyMember("READY"), "READY");
        assertThat(server.admin.get("/audit?action=member.failing").expect(200).json()).isEmpty();
    }

    @Test
    void the_invariant_checker_names_a_stray_account_a_stray_peer_an_open_lease_and_an_orphan_vm() {
        activeConstellation("ci");
        server.admin.post("/constellations/ci/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);
        await("ci", onlyMember("READY"), "READY");
        server.assertInvariants();

        SimGuestPlatform controller = controllerGuest("ci");
        controller.domainController().presetComputer(ComputerName.of("GHOST"), Secret.of("Ghost-Pass-2030"));
        controller.vpnHub().addPeer(VpnPublicKey.of(Base64.getEncoder().encodeToString(new byte[32])),
                Ipv4Address.of("10.77.0.200"), Optional.empty());
        controller.firewall().openLease("stray", Ipv4Address.of("198.18.9.9"), List.of(PortRange.tcp(389)),
                Instant.now().plusSeconds(600));
        server.sim().create(new RealmVmSpec("orphan-1", "orphan", OsFamily.LINUX, "linux", 1, 512, 1,
                new Bootstrap("wss://127.0.0.1:1/agent/v1", "00".repeat(32), "unused")));

        List<String> violations = new SimInvariants(server.server.store(), server.sim(), network()).violations();
        assertThat(violations).anyMatch(v -> v.startsWith("stray computer account GHOST"))
                .anyMatch(v -> v.startsWith("stray VPN peer"))
                .anyMatch(v -> v.contains("open port lease"))
                .anyMatch(v -> v.startsWith("orphan VM orphan-1"));
        server.sim().destroy("orphan-1");
    }

    @Test
    void a_failing_join_step_on_the_member_fails_it_with_the_step_and_a_retry_succeeds() {
        activeConstellation("cj");
        AtomicBoolean armed = new AtomicBoolean(true);
        network().onNewGuest(guest -> {
            if (armed.getAndSet(false)) {
                guest.failNext(SimOperation.JOIN, GuestException.Code.INVALID);
            }
        });
        server.admin.post("/constellations/cj/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);

        JsonNode failed = await("cj", onlyMember("FAILED"), "FAILED");
        assertThat(failed.get("members").get(0).get("condition").asText()).contains("join failed")
                .contains("FAILED").contains("injected failure of JOIN");
        server.awaitVmState(server.admin, "cj-m1", "DESTROYED");
        server.assertInvariants();

        server.admin.post("/constellations/cj/members/m1/retry", null).expect(202);
        await("cj", onlyMember("READY"), "READY after a retry");
        server.assertInvariants();
    }

    @Test
    void a_member_whose_tunnel_never_completes_a_handshake_fails_at_the_phase_deadline_and_a_retry_succeeds() {
        server = TestServer.start(Clock.systemUTC(), config -> config.withPhaseTimeout(Duration.ofSeconds(3)));
        server.admin.post("/constellations", Map.of("name", "ch", "brick", "controller")).expect(202);
        await("ch", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        AtomicBoolean armed = new AtomicBoolean(true);
        network().onNewGuest(guest -> {
            if (armed.getAndSet(false)) {
                guest.neverHandshake(true);
            }
        });
        server.admin.post("/constellations/ch/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);

        JsonNode failed = await("ch", onlyMember("FAILED"), "FAILED");
        assertThat(failed.get("members").get(0).get("condition").asText()).contains("VPN did not finish within 3s");
        server.awaitVmState(server.admin, "ch-m1", "DESTROYED");
        server.assertInvariants();

        server.admin.post("/constellations/ch/members/m1/retry", null).expect(202);
        await("ch", onlyMember("READY"), "READY after a retry");
        server.assertInvariants();
    }

    @Test
    void an_open_ports_answer_lost_to_a_timeout_is_asked_again_as_the_same_command_and_the_member_reaches_ready() {
        // The controller opens the lease after the server stopped waiting: the agent has done it and kept its answer
        // under the command's id; the server's later pass must send that same command again, not a new expiry.
        server = TestServer.start(Clock.systemUTC(), config -> config.withAgentCommandTimeout(Duration.ofSeconds(1)));
        server.admin.post("/constellations", Map.of("name", "ct", "brick", "controller")).expect(202);
        await("ct", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        controllerGuest("ct").delayNext(SimOperation.OPEN_LEASE, Duration.ofMillis(2500));
        server.admin.post("/constellations/ct/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);

        await("ct", c -> !c.get("members").findValuesAsText("phase").equals(List.of("REQUEST_VM"))
                && !c.get("members").findValuesAsText("phase").equals(List.of("OPEN_PORTS")), "past OPEN_PORTS");
        JsonNode settled = await("ct", onlyMember("READY").or(onlyMember("FAILED")), "READY or FAILED");
        assertThat(settled.get("members").get(0).get("phase").asText()).as("member %s", settled).isEqualTo("READY");
        assertThat(server.admin.get("/audit?action=member.failing").expect(200).json()).isEmpty();
        assertThat(network().openLeaseCount()).as("open leases").isZero();
        server.assertInvariants();
    }
}
