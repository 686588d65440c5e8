package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.guest.sim.SimGuestNetwork;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The onboarding flow on the sim realm: real agents (asterism-agent) in every VM over the real TLS channel, on the sim
 * guest platform. A controller provisions, members go through every phase to READY, and removal undoes each step.
 */
class ConstellationOnboardingTest {
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

    private SimGuestNetwork network() {
        return server.server.simAgents().orElseThrow().network();
    }

    private JsonNode show(String name) {
        return admin.get("/constellations/" + name).expect(200).json();
    }

    private JsonNode await(String name, java.util.function.Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = show(name);
            if (done.test(last)) {
                return last;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("constellation " + name + " did not reach " + what + " within 60 s: " + last);
    }

    private static List<String> phases(JsonNode constellation) {
        return constellation.get("members").findValuesAsText("phase");
    }

    @Test
    void in_vpn_first_mode_members_join_through_the_tunnel_and_no_port_is_ever_opened() throws Exception {
        admin.post("/constellations", Map.of("name", "vf", "brick", "controller", "joinMode", "vpn-first"))
                .expect(202);
        JsonNode active = await("vf", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        assertThat(active.get("joinMode").asText()).isEqualTo("vpn-first");
        String address = admin.get("/vms/vf-controller").expect(200).json().get("addresses").get(0).asText();
        var controller = network().guests().stream()
                .filter(guest -> guest.underlayAddress().toString().equals(address)).findFirst().orElseThrow();

        // Watch the controller's ruleset during the whole join, as often as the machine allows.
        var leasesSeen = new AtomicInteger();
        var watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofPlatform().start(() -> {
            while (watching.get()) {
                leasesSeen.accumulateAndGet(controller.openLeaseCount(), Math::max);
                Thread.onSpinWait();
            }
        });
        admin.post("/constellations/vf/members", Map.of("brick", "worker", "count", 2)).expect(202);
        await("vf", c -> phases(c).equals(List.of("READY", "READY")), "two READY members");
        watching.set(false);
        watcher.join();

        assertThat(leasesSeen.get()).as("leases ever open on the controller").isZero();
        var phasesEntered = admin.get("/audit?action=member.phase&limit=1000").expect(200).json().findValuesAsText("phase");
        assertThat(phasesEntered).contains("VPN", "INJECT", "JOIN").doesNotContain("OPEN_PORTS", "CLOSE_PORTS");
        assertThat(network().computerCount()).isEqualTo(2);
        assertThat(network().peerCount()).isEqualTo(2);
        server.assertInvariants();

        assertThat(admin.post("/constellations", Map.of("name", "vx", "brick", "controller", "joinMode", "sideways"))
                .expect(422).body()).contains("joinMode").contains("ports, vpn-first");
    }

    @Test
    void two_members_join_the_domain_and_the_vpn_and_removal_undoes_it() {
        admin.post("/constellations", Map.of("name", "c7", "brick", "controller")).expect(202);
        JsonNode active = await("c7", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        assertThat(active.get("domain").asText()).isEqualTo("C7.ASTERISM.TEST");
        assertThat(active.get("joinMode").asText()).as("tiCrypt's order by default").isEqualTo("ports");

        admin.post("/constellations/c7/members", Map.of("brick", "worker", "count", 2)).expect(202);
        JsonNode ready = await("c7", c -> phases(c).equals(List.of("READY", "READY")), "two READY members");
        assertThat(ready.get("members").findValuesAsText("name")).containsExactly("w1", "w2");
        assertThat(network().computerCount()).isEqualTo(2);
        assertThat(network().peerCount()).isEqualTo(2);
        assertThat(network().openLeaseCount()).isZero();
        server.assertInvariants();

        var actions = admin.get("/audit?action=member.phase&limit=1000").expect(200).json().findValuesAsText("phase");
        assertThat(actions).contains("OPEN_PORTS", "INJECT", "JOIN", "VPN", "CLOSE_PORTS");

        admin.delete("/constellations/c7/members/w1").expect(202);
        await("c7", c -> phases(c).equals(List.of("READY")), "w1 removed");
        assertThat(network().computerCount()).isEqualTo(1);
        assertThat(network().peerCount()).isEqualTo(1);
        server.awaitVmState(admin, "c7-w1", "DESTROYED");
        server.assertInvariants();

        admin.delete("/constellations/c7").expect(202);
        await("c7", c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
        server.awaitVmState(admin, "c7-controller", "DESTROYED");
        server.sim().assertNoLeaks();
        assertThat(network().guests()).isEmpty();
        assertThat(admin.get("/audit/verify").expect(200).json().get("valid").asBoolean()).isTrue();
    }

    @Test
    void progress_streams_as_server_sent_events_without_polling() throws Exception {
        admin.post("/constellations", Map.of("name", "live", "brick", "controller")).expect(202);
        await("live", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(server.url() + "/api/v1/constellations/live/events"))
                .header("Authorization", "Bearer " + admin.token).header("Accept", "text/event-stream").build();
        var response = java.net.http.HttpClient.newHttpClient().send(request,
                java.net.http.HttpResponse.BodyHandlers.ofLines());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/event-stream"));
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread reader = Thread.ofVirtual().start(() -> response.body()
                .filter(line -> line.startsWith("event:")).forEach(events::add));
        admin.post("/constellations/live/members", Map.of("brick", "worker", "names", List.of("m1"))).expect(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!events.contains("event: member.ready") && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(events).startsWith("event: snapshot").contains("event: member.added", "event: member.phase",
                "event: member.ready");
        admin.delete("/constellations/live").expect(202);
        reader.join(Duration.ofSeconds(60));
        assertThat(events).contains("event: constellation.destroyed");
    }

    @Test
    void adding_members_needs_manage_on_both_bricks_and_names_the_missing_grant() {
        Api dana = server.user("dana", "user");
        admin.put("/bricks/controller/grants/dana", Map.of("level", "manage")).expect(200);
        admin.put("/bricks/worker/grants/dana", Map.of("level", "use")).expect(200);
        dana.post("/constellations", Map.of("name", "dc", "brick", "controller")).expect(202);
        await("dc", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        Api.Response refused = dana.post("/constellations/dc/members", Map.of("brick", "worker", "count", 1))
                .expect(403);
        assertThat(refused.json().get("message").asText()).contains("'manage'").contains("'worker'");
        admin.put("/bricks/worker/grants/dana", Map.of("level", "manage")).expect(200);
        dana.post("/constellations/dc/members", Map.of("brick", "worker", "names", List.of("alpha"))).expect(202);
        await("dc", c -> phases(c).equals(List.of("READY")), "alpha READY");
        Api other = server.user("eric", "user");
        other.get("/constellations/dc").expect(404);
    }

    @Test
    void a_member_whose_agent_registers_late_still_reaches_ready() {
        admin.post("/constellations", Map.of("name", "cf", "brick", "controller")).expect(202);
        await("cf", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        server.sim().neverRegisterAll(true);
        admin.post("/constellations/cf/members", Map.of("brick", "worker", "names", List.of("late"))).expect(202);
        server.awaitVmState(admin, "cf-late", "AWAITING_REGISTRATION");
        assertThat(phases(show("cf"))).containsExactly("REQUEST_VM");
        server.sim().neverRegisterAll(false);
        await("cf", c -> phases(c).equals(List.of("READY")), "late READY");
    }

    @Test
    void a_member_whose_vm_never_registers_fails_with_a_reason_is_cleaned_up_and_a_retry_brings_it_to_ready() {
        server.close();
        server = TestServer.start(java.time.Clock.systemUTC(),
                config -> config.withRegistrationTimeout(Duration.ofSeconds(3)));
        admin = server.admin;
        admin.post("/constellations", Map.of("name", "cr", "brick", "controller")).expect(202);
        await("cr", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        server.sim().neverRegisterAll(true);
        admin.post("/constellations/cr/members", Map.of("brick", "worker", "names", List.of("stuck"))).expect(202);
        JsonNode failed = await("cr", c -> phases(c).equals(List.of("FAILED")), "stuck FAILED");
        assertThat(failed.get("members").get(0).get("condition").asText()).contains("did not register");
        server.awaitVmState(admin, "cr-stuck", "DESTROYED");
        assertThat(network().computerCount()).isZero();
        assertThat(network().openLeaseCount()).isZero();

        server.sim().neverRegisterAll(false);
        admin.post("/constellations/cr/members/stuck/retry", null).expect(202);
        await("cr", c -> phases(c).equals(List.of("READY")), "stuck READY after a retry");
        assertThat(network().computerCount()).isEqualTo(1);
    }
}
