package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.guest.sim.SimGuestNetwork;
import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.guest.sim.SimOperation;
import dev.asterism.server.tunnel.TunnelSettings;
import dev.asterism.spi.guest.ClipboardRule;
import dev.asterism.spi.guest.DomainController;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.testing.LoopbackEcho;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The people of a constellation through the API, on the sim realm with the real agents: the owner adds people, each
 * gets a domain account in the constellation's group and sets their own desktop password; only people open tunnels
 * (not even an admin who is not one); removing a person closes their tunnels, ends their sessions on every member
 * and deletes their account; a user deleted from Asterism leaves every constellation. The netns end-to-end test does
 * the same with real sssd, xrdp and an RDP client.
 */
class PeopleTest {
    private static final String BOB_PASSWORD = "Bob-Desk-2031!";
    private static TestServer server;
    private static LoopbackEcho echo;
    private static Api alice;
    private static Api bob;
    private static Api carol;

    @BeforeAll
    static void start() throws Exception {
        echo = LoopbackEcho.start();
        server = TestServer.start(java.time.Clock.systemUTC(), config -> config.withTunnels(
                new TunnelSettings(Set.of(3389, echo.port()), 8, Duration.ofMinutes(5))));
        alice = server.user("alice", "user");
        bob = server.user("bob", "user");
        carol = server.user("carol", "admin");
        server.user("dave", "user");
        server.user("erin", "user");
        server.admin.put("/bricks/controller/grants/alice", Map.of("level", "manage")).expect(200);
        server.admin.put("/bricks/worker/grants/alice", Map.of("level", "manage")).expect(200);
        alice.post("/constellations", Map.of("name", "lab", "brick", "controller")).expect(202);
        await(c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        alice.post("/constellations/lab/members", Map.of("brick", "worker", "count", 2)).expect(202);
        await(c -> c.get("members").size() == 2
                && c.get("members").findValuesAsText("phase").stream().allMatch("READY"::equals), "two members READY");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
        echo.close();
    }

    @Test
    void the_owner_is_the_first_person_and_gets_a_domain_account_in_the_constellations_group() {
        JsonNode owner = awaitPerson("alice", "ACTIVE");
        assertThat(owner.get("passwordSet").asBoolean()).isFalse();
        assertThat(controller().domainController().groupMembers(DomainController.USERS_GROUP)).contains("alice");
    }

    @Test
    void the_clipboard_is_off_until_the_owner_opens_it_and_every_members_desktop_takes_the_rule_on() {
        JsonNode lab = alice.get("/constellations/lab").expect(200).json();
        assertThat(lab.get("clipboard").asText()).isEqualTo("off");
        assertThat(lab.get("members").findValuesAsText("clipboard")).containsOnly("off");
        assertThat(members()).allSatisfy(member -> assertThat(member.remoteDesktop().clipboardRule())
                .isEqualTo(ClipboardRule.OFF));

        Api.Response unknown = alice.put("/constellations/lab/clipboard", Map.of("clipboard", "sideways")).expect(422);
        assertThat(unknown.json().get("message").asText()).contains("off, to-desktop, from-desktop, both");
        alice.put("/constellations/lab/clipboard", Map.of()).expect(422);
        server.user("stranger", "user").put("/constellations/lab/clipboard", Map.of("clipboard", "both")).expect(404);
        assertThat(alice.get("/constellations/lab").expect(200).json().get("clipboard").asText())
                .as("a refused change changes nothing").isEqualTo("off");

        JsonNode changed = alice.put("/constellations/lab/clipboard", Map.of("clipboard", "from-desktop")).expect(200)
                .json();
        assertThat(changed.get("clipboard").asText()).isEqualTo("from-desktop");
        await(c -> c.get("members").findValuesAsText("clipboard").stream().allMatch("from-desktop"::equals),
                "every member's desktop on from-desktop");
        assertThat(members()).allSatisfy(member -> assertThat(member.remoteDesktop().clipboardRule())
                .isEqualTo(ClipboardRule.FROM_DESKTOP));
        assertThat(server.admin.get("/audit?action=constellation.clipboard-changed").expect(200).body())
                .contains("from-desktop");

        // A desktop that refuses the rule keeps its own, and its member stays ready and says why.
        guestAt("lab-w2").failNext(SimOperation.RESTRICT_CLIPBOARD, GuestException.Code.INVALID);
        alice.put("/constellations/lab/clipboard", Map.of("clipboard", "both")).expect(200);
        JsonNode held = await(c -> "both".equals(memberField(c, "w1", "clipboard"))
                && String.valueOf(memberField(c, "w2", "condition")).contains("clipboard rule both is not set"),
                "w1 on both, w2 holding its rule");
        assertThat(memberField(held, "w2", "phase")).isEqualTo("READY");
        assertThat(memberField(held, "w2", "clipboard")).isEqualTo("from-desktop");
        assertThat(guestAt("lab-w2").remoteDesktop().clipboardRule()).isEqualTo(ClipboardRule.FROM_DESKTOP);

        carol.put("/constellations/lab/clipboard", Map.of("clipboard", "off")).expect(200);
        await(c -> c.get("members").findValuesAsText("clipboard").stream().allMatch("off"::equals)
                && memberField(c, "w2", "condition") == null, "every member's desktop off again");
        assertThat(members()).allSatisfy(member -> assertThat(member.remoteDesktop().clipboardRule())
                .isEqualTo(ClipboardRule.OFF));
    }

    @Test
    void a_person_added_by_the_owner_sets_a_password_the_domain_accepts_and_only_that() {
        alice.post("/constellations/lab/people", Map.of("usernames", List.of("bob"))).expect(202);
        awaitPerson("bob", "ACTIVE");
        assertThat(controller().domainController().groupMembers(DomainController.USERS_GROUP)).contains("bob");

        Api.Response weak = bob.put("/constellations/lab/password", Map.of("password", "abc")).expect(422);
        assertThat(weak.json().get("message").asText()).contains("at least 7 characters").doesNotContain("abc\"");
        assertThat(person("bob").get("passwordSet").asBoolean()).as("a refused password changes nothing").isFalse();

        bob.put("/constellations/lab/password", Map.of("password", BOB_PASSWORD)).expect(204);
        assertThat(person("bob").get("passwordSet").asBoolean()).isTrue();
        assertThat(server.admin.get("/audit?action=person.password-set").expect(200).body())
                .contains("bob").doesNotContain(BOB_PASSWORD);
        // bob sees the constellation now, and may connect; the .rdp file names his account.
        assertThat(bob.get("/constellations").expect(200).json().findValuesAsText("name")).contains("lab");
        JsonNode connect = bob.get("/constellations/lab/members/w1/connect").expect(200).json();
        assertThat(connect.get("signInAs").asText()).isEqualTo("bob");
        assertThat(connect.get("rdpFile").asText()).contains("username:s:bob").contains("domain:s:LAB.ASTERISM.TEST");
    }

    @Test
    void the_batch_status_says_the_sim_controller_runs_no_scheduler_and_only_to_those_who_may_see_it() {
        Api outsider = server.user("outsider", "user");
        for (Api caller : List.of(alice, carol)) {
            JsonNode batch = caller.get("/constellations/lab/batch").expect(200).json();
            assertThat(batch.get("scheduler").asBoolean()).isFalse();
            assertThat(batch.get("nodes")).isEmpty();
            assertThat(batch.get("jobs")).isEmpty();
            assertThat(batch.get("note").asText()).contains("no batch scheduler");
        }
        outsider.get("/constellations/lab/batch").expect(404);
        alice.get("/constellations/nowhere/batch").expect(404);
    }

    @Test
    void bad_requests_are_refused_with_what_to_do_and_change_nothing() {
        assertThat(alice.post("/constellations/lab/people", Map.of("usernames", List.of("nobody"))).expect(404)
                .json().get("message").asText()).contains("create the user first");
        alice.post("/constellations/lab/people", Map.of("usernames", List.of("erin"))).expect(202);
        assertThat(alice.post("/constellations/lab/people", Map.of("usernames", List.of("erin"))).expect(409)
                .json().get("message").asText()).contains("already");
        assertThat(alice.post("/constellations/lab/people", Map.of("usernames", List.of("Root"))).expect(422)
                .json().get("message").asText()).contains("cannot be a domain account");
        assertThat(alice.post("/constellations/lab/people", Map.of("usernames", List.of("root"))).expect(422)
                .json().get("message").asText()).contains("keeps for itself");
        alice.post("/constellations/lab/people", Map.of("usernames", List.of())).expect(422);
        alice.post("/constellations/lab/people", Map.of()).expect(422);
        // Only the owner adds and removes people; an admin who is not one of them sees them but may not.
        carol.post("/constellations/lab/people", Map.of("usernames", List.of("dave"))).expect(403);
        carol.delete("/constellations/lab/people/erin").expect(403);
        assertThat(carol.get("/constellations/lab/people").expect(200).json().findValuesAsText("username"))
                .contains("alice", "erin");
        alice.delete("/constellations/lab/people/alice").expect(409);
        // A constellation that is not ACTIVE takes no people.
        alice.post("/constellations", Map.of("name", "gone", "brick", "controller")).expect(202);
        alice.delete("/constellations/gone").expect(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!alice.get("/constellations/gone").expect(200).json().get("state").asText().equals("DESTROYED")) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            sleep(20);
        }
        assertThat(alice.post("/constellations/gone/people", Map.of("usernames", List.of("dave"))).expect(409)
                .json().get("message").asText()).contains("once it is ACTIVE");
    }

    @Test
    void only_people_open_tunnels_and_set_passwords_even_an_admin_who_is_not_one_is_refused() throws Exception {
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1"), carol.token)).isEqualTo(403);
        assertThat(carol.get("/constellations/lab/members/w1/connect").expect(403).json().get("message").asText())
                .contains("only its people");
        assertThat(carol.put("/constellations/lab/password", Map.of("password", "Carol-Desk-2031!")).expect(403)
                .json().get("message").asText()).contains("ask its owner");
        // Someone who is not one of the people does not even learn that it exists.
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1"), server.user("frank", "user").token))
                .isEqualTo(403);
    }

    @Test
    void removing_a_person_closes_their_tunnels_ends_their_sessions_on_every_member_and_deletes_their_account()
            throws Exception {
        alice.post("/constellations/lab/people", Map.of("usernames", List.of("dave"))).expect(202);
        awaitPerson("dave", "ACTIVE");
        Api dave = Api.login(server.url(), "dave", "dave-password");
        members().forEach(member -> member.startDesktopSession("dave"));
        try (TunnelClient tunnel = TunnelClient.open(server.url(), tunnelPath("w1"), dave.token)) {
            tunnel.send("hello".getBytes());
            assertThat(tunnel.awaitBytes(5, Duration.ofSeconds(10))).hasSize(5);

            alice.delete("/constellations/lab/people/dave").expect(202);
            assertThat(tunnel.closed().get(10, TimeUnit.SECONDS)).contains("removed");
        }
        awaitGone("dave");
        assertThat(controller().domainController().users()).doesNotContain("dave");
        assertThat(members()).allSatisfy(member -> assertThat(member.remoteDesktop().sessions()).doesNotContain("dave"));
        assertThat(TunnelClient.statusOf(server.url(), tunnelPath("w1"), dave.token)).isEqualTo(403);
        assertThat(server.admin.get("/audit?action=person.removed").expect(200).body()).contains("dave");
    }

    @Test
    void a_user_deleted_from_asterism_leaves_every_constellation() {
        server.user("gina", "user");
        alice.post("/constellations/lab/people", Map.of("usernames", List.of("gina"))).expect(202);
        awaitPerson("gina", "ACTIVE");
        server.admin.delete("/users/gina").expect(204);
        awaitGone("gina");
        assertThat(controller().domainController().users()).doesNotContain("gina");
    }

    // ---- helpers

    private static String tunnelPath(String member) {
        return "/constellations/lab/members/" + member + "/tunnel?port=" + echo.port();
    }

    private static SimGuestNetwork network() {
        return server.server.simAgents().orElseThrow().network();
    }

    private static SimGuestPlatform guestAt(String vm) {
        String address = server.admin.get("/vms/" + vm).expect(200).json().get("addresses").get(0).asText();
        return network().guests().stream().filter(guest -> guest.underlayAddress().toString().equals(address))
                .findFirst().orElseThrow();
    }

    private static SimGuestPlatform controller() {
        return guestAt("lab-controller");
    }

    private static List<SimGuestPlatform> members() {
        return List.of(guestAt("lab-w1"), guestAt("lab-w2"));
    }

    private static JsonNode person(String username) {
        for (JsonNode person : alice.get("/constellations/lab/people").expect(200).json()) {
            if (person.get("username").asText().equals(username)) {
                return person;
            }
        }
        return null;
    }

    private static JsonNode awaitPerson(String username, String state) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = person(username);
            if (last != null && last.get("state").asText().equals(state)) {
                return last;
            }
            sleep(20);
        }
        throw new AssertionError(username + " did not become " + state + " within 30 s: " + last);
    }

    private static void awaitGone(String username) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (person(username) != null) {
            assertThat(System.nanoTime()).as("%s removed within 30 s: %s", username, person(username))
                    .isLessThan(deadline);
            sleep(20);
        }
    }

    private static String memberField(JsonNode constellation, String member, String field) {
        for (JsonNode node : constellation.get("members")) {
            if (node.get("name").asText().equals(member)) {
                return node.get(field).isNull() ? null : node.get(field).asText();
            }
        }
        return null;
    }

    private static JsonNode await(Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = alice.get("/constellations/lab").expect(200).json();
            if (done.test(last)) {
                return last;
            }
            sleep(20);
        }
        throw new AssertionError("lab did not reach " + what + " within 60 s: " + last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
