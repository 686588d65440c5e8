package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Security levels, clearances and projects through the API, on the sim realm: who joins a project, which bricks a
 * project may use, quotas enforced when work is asked for (also by requests that race), project managers acting as
 * owners, and people of a constellation that must take part in its project.
 */
class ProjectsTest {
    private static TestServer server;
    private static Api alice;
    private static Api bob;
    private static Api dave;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        alice = server.user("alice", "user");
        bob = server.user("bob", "user");
        dave = server.user("dave", "user");
        server.user("erin", "user");
        for (String user : List.of("alice", "bob", "dave")) {
            server.admin.put("/bricks/controller/grants/" + user, Map.of("level", "manage")).expect(200);
            server.admin.put("/bricks/worker/grants/" + user, Map.of("level", "manage")).expect(200);
        }
        server.admin.put("/levels", Map.of("levels", List.of(Map.of("name", "public"), Map.of("name", "internal"),
                Map.of("name", "restricted", "description", "data under a data-use agreement")))).expect(200);
        // worker: 1 vCPU, 2 GiB, 20 GiB of disk; controller: 2 vCPUs, 4 GiB, 40 GiB.
        server.admin.post("/projects", Map.of("name", "genomics", "description", "sequencing study",
                "level", "restricted", "quota", Map.of("constellations", 1, "vcpus", 5, "memoryGib", 100)))
                .expect(201);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void the_levels_are_ordered_and_one_in_use_cannot_be_left_out() {
        JsonNode levels = alice.get("/levels").expect(200).json();
        assertThat(levels.findValuesAsText("name")).containsExactly("public", "internal", "restricted");
        assertThat(levels.get(2).get("rank").asInt()).isEqualTo(2);
        Api.Response refused = server.admin.put("/levels", Map.of("levels", List.of(Map.of("name", "public"))))
                .expect(409);
        assertThat(refused.json().get("message").asText()).startsWith("level 'restricted' is in use (")
                .endsWith("): move them to another level first");
        server.admin.put("/levels", Map.of("levels", List.of(Map.of("name", "public"), Map.of("name", "public"))))
                .expect(422);
        assertThat(alice.put("/levels", Map.of("levels", List.of(Map.of("name", "x")))).status()).isEqualTo(403);
        assertThat(alice.get("/levels").expect(200).json().findValuesAsText("name")).hasSize(3);
    }

    @Test
    void a_user_joins_a_project_only_when_cleared_for_its_level() {
        Api.Response refused = server.admin.put("/projects/genomics/members/erin", Map.of("role", "researcher"))
                .expect(409);
        assertThat(refused.json().get("message").asText()).contains("erin is cleared for 'public'")
                .contains("'restricted'");
        assertThat(server.admin.get("/projects/genomics").expect(200).json().get("members").findValuesAsText(
                "username")).doesNotContain("erin");
        server.admin.put("/users/erin/clearance", Map.of("level", "restricted")).expect(200);
        assertThat(server.admin.get("/users/erin").expect(200).json().get("clearance").asText())
                .isEqualTo("restricted");
        server.admin.put("/projects/genomics/members/erin", Map.of("role", "researcher")).expect(200);
        server.admin.put("/users/erin/clearance", Map.of("level", "secret")).expect(422);
    }

    @Test
    void a_constellation_of_a_project_uses_bricks_approved_for_its_level_and_fits_its_quota() throws Exception {
        clear("alice", "manager");
        clear("bob", "researcher");
        Api.Response unapproved = alice.post("/constellations", Map.of("name", "seq", "brick", "controller",
                "project", "genomics")).expect(409);
        assertThat(unapproved.json().get("message").asText()).contains("brick controller is approved up to"
                + " 'public'").contains("'restricted'");
        server.admin.put("/bricks/controller/level", Map.of("level", "restricted")).expect(200);
        server.admin.put("/bricks/worker/level", Map.of("level", "restricted")).expect(200);

        JsonNode created = alice.post("/constellations", Map.of("name", "seq", "brick", "controller", "project",
                "genomics")).expect(202).json();
        assertThat(created.get("project").asText()).isEqualTo("genomics");
        assertThat(alice.get("/vms/seq-controller").expect(200).json().get("project").asText()).isEqualTo("genomics");
        Api.Response second = alice.post("/constellations", Map.of("name", "seq2", "brick", "controller",
                "project", "genomics")).expect(409);
        assertThat(second.json().get("message").asText()).contains("project genomics uses 1 of 1 constellations");
        awaitActive(alice, "seq");

        // 2 vCPUs for the controller; three members of 1 vCPU fit in 5, a fourth does not.
        alice.post("/constellations/seq/members", Map.of("brick", "worker", "count", 2)).expect(202);
        Api.Response over = alice.post("/constellations/seq/members", Map.of("brick", "worker", "count", 2))
                .expect(409);
        assertThat(over.json().get("message").asText()).isEqualTo("project genomics uses 4 of 5 vCPUs; 2 members of"
                + " brick worker need 2: remove some of its VMs or ask an admin for a larger quota");
        assertThat(alice.get("/constellations/seq").expect(200).json().get("members")).hasSize(2);
        JsonNode usage = alice.get("/projects/genomics").expect(200).json().get("usage");
        assertThat(usage.get("vcpus").asInt()).isEqualTo(4);
        assertThat(usage.get("vms").asInt()).isEqualTo(3);
        assertThat(usage.get("constellations").asInt()).isEqualTo(1);

        // A project manager manages the constellation as its owner can; a researcher does not.
        alice.post("/constellations/seq/members", Map.of("brick", "worker", "count", 1)).expect(202);
        assertThat(bob.post("/constellations/seq/members", Map.of("brick", "worker", "count", 1)).status())
                .isEqualTo(404);
        // People of the constellation must take part in its project.
        Api.Response outsider = alice.post("/constellations/seq/people", Map.of("usernames", List.of("dave")))
                .expect(409);
        assertThat(outsider.json().get("message").asText()).contains("'dave' takes no part in project genomics");
        alice.post("/constellations/seq/people", Map.of("usernames", List.of("bob"))).expect(202);
        Api.Response researcher = bob.post("/constellations/seq/members", Map.of("brick", "worker", "count", 1))
                .expect(403);
        assertThat(researcher.json().get("message").asText()).contains("a manager of its project genomics");
        assertThat(server.admin.delete("/projects/genomics").status()).isEqualTo(409);
    }

    @Test
    void who_takes_no_part_in_a_project_neither_sees_it_nor_starts_anything_in_it() {
        assertThat(dave.get("/projects").expect(200).json().findValuesAsText("name")).containsExactly("default");
        dave.get("/projects/genomics").expect(404);
        Api.Response refused = dave.post("/vms", Map.of("name", "dv", "brick", "worker", "project", "genomics"))
                .expect(404);
        assertThat(refused.json().get("message").asText()).isEqualTo("no project named 'genomics'");
        dave.post("/vms", Map.of("name", "dv", "brick", "worker", "project", "nowhere")).expect(404);
        assertThat(dave.post("/vms", Map.of("name", "dv", "brick", "worker")).expect(202).json().get("project")
                .asText()).isEqualTo("default");
        server.admin.delete("/projects/default").expect(409);
    }

    /**
     * Concurrent requests end with exactly the quota's worth accepted. Through HTTP on two cores they rarely overlap
     * inside the transaction, so this passes without the project lock too; the store contract's
     * {@code writers_that_lock_a_project_before_counting_never_pass_its_limit_together} is what fails without it.
     */
    @Test
    void racing_requests_never_pass_a_quota() throws Exception {
        server.admin.post("/projects", Map.of("name", "race", "level", "public", "quota", Map.of("vms", 3)))
                .expect(201);
        server.admin.put("/projects/race/members/bob", Map.of("role", "researcher")).expect(200);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Integer>> answers = new ArrayList<>();
        try (var executor = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < 8; i++) {
                String name = "r" + i;
                answers.add(executor.submit(() -> {
                    go.await();
                    return bob.post("/vms", Map.of("name", name, "brick", "worker", "project", "race")).status();
                }));
            }
            go.countDown();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get(60, TimeUnit.SECONDS));
            }
            assertThat(statuses).containsOnly(202, 409);
            assertThat(statuses.stream().filter(status -> status == 202)).hasSize(3);
        }
        assertThat(server.admin.get("/projects/race").expect(200).json().get("usage").get("vms").asInt())
                .isEqualTo(3);
    }

    @Test
    void usage_is_counted_per_user_in_vm_hours_and_vcpu_hours_and_comes_as_csv_too() throws Exception {
        server.admin.post("/projects", Map.of("name", "ledger", "level", "public")).expect(201);
        server.admin.put("/projects/ledger/members/bob", Map.of("role", "researcher")).expect(200);
        server.admin.put("/projects/ledger/members/dave", Map.of("role", "manager")).expect(200);
        bob.post("/vms", Map.of("name", "lb1", "brick", "worker", "project", "ledger")).expect(202);
        server.awaitVmState(bob, "lb1", "RUNNING");
        Thread.sleep(1500);
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        JsonNode records = dave.get("/projects/ledger/usage?since=" + today).expect(200).json();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).get("username").asText()).isEqualTo("bob");
        assertThat(records.get(0).get("vms").asInt()).isEqualTo(1);
        double hours = records.get(0).get("vmHours").asDouble();
        assertThat(hours).isGreaterThan(0).isLessThan(1);
        // The worker brick's profile has one vCPU.
        assertThat(records.get(0).get("vcpuHours").asDouble()).isEqualTo(hours);
        assertThat(dave.get("/projects/ledger/usage?since=2000-01-01&until=2000-01-02").expect(200).json()).isEmpty();
        Api.Response csv = dave.get("/projects/ledger/usage?format=csv");
        assertThat(csv.status()).isEqualTo(200);
        assertThat(csv.header("Content-Type")).startsWith("text/csv");
        assertThat(csv.body().lines()).first().isEqualTo("project,user,vms,vm_hours,vcpu_hours");
        assertThat(csv.body().lines().skip(1)).singleElement().asString().startsWith("ledger,bob,1,");
        dave.get("/projects/ledger/usage?since=yesterday").expect(400);
        dave.get("/projects/ledger/usage?format=xml").expect(400);
        server.admin.get("/projects/ledger/usage?since=2030-01-02&until=2030-01-01").expect(422);
        assertThat(alice.get("/projects/ledger/usage").status()).isEqualTo(404);
    }

    @Test
    void a_team_brings_its_members_into_a_project_and_grants_and_taking_it_out_takes_them_out_of_its_constellations()
            throws Exception {
        server.admin.post("/projects", Map.of("name", "teamwork", "level", "internal")).expect(201);
        server.admin.post("/teams", Map.of("name", "crew", "description", "the wet lab")).expect(201);
        Api gus = server.user("gus", "user");
        server.admin.put("/teams/crew/members/gus", null).expect(200);
        server.admin.put("/teams/crew/members/alice", null).expect(200);
        server.admin.put("/users/alice/clearance", Map.of("level", "restricted")).expect(200);
        Api.Response uncleared = server.admin.put("/projects/teamwork/teams/crew", Map.of("role", "manager"))
                .expect(409);
        assertThat(uncleared.json().get("message").asText()).contains("team crew has members not cleared for"
                + " 'internal'").contains("gus").doesNotContain("alice");
        server.admin.put("/users/gus/clearance", Map.of("level", "internal")).expect(200);
        server.admin.put("/projects/teamwork/teams/crew", Map.of("role", "manager")).expect(200);
        assertThat(gus.get("/projects/teamwork").expect(200).json().get("teams").get(0).get("role").asText())
                .isEqualTo("manager");
        assertThat(gus.get("/teams").expect(200).json().findValuesAsText("name")).containsExactly("crew");

        // A grant to the team is a grant to each member.
        gus.get("/bricks/controller").expect(404);
        server.admin.put("/bricks/controller/team-grants/crew", Map.of("level", "manage")).expect(200);
        server.admin.put("/bricks/controller/level", Map.of("level", "restricted")).expect(200);
        assertThat(gus.get("/bricks").expect(200).json().findValuesAsText("name")).containsExactly("controller");
        gus.post("/constellations", Map.of("name", "tw", "brick", "controller", "project", "teamwork")).expect(202);
        awaitActive(gus, "tw");
        gus.post("/constellations/tw/people", Map.of("usernames", List.of("alice"))).expect(202);

        // Out of the project, alice (there through the team only) leaves its constellation's people; the owner stays.
        server.admin.delete("/projects/teamwork/teams/crew").expect(204);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (gus.get("/constellations/tw/people").expect(200).json().findValuesAsText("username")
                .contains("alice")) {
            JsonNode alicePerson = null;
            for (JsonNode person : gus.get("/constellations/tw/people").expect(200).json()) {
                if (person.get("username").asText().equals("alice")) {
                    alicePerson = person;
                }
            }
            if (alicePerson != null && alicePerson.get("state").asText().equals("REMOVING")) {
                break;
            }
            assertThat(System.nanoTime()).as("alice leaves tw within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        alice.get("/constellations/tw").expect(404);
        server.admin.delete("/teams/crew").expect(204);
        gus.get("/bricks/controller").expect(404);
    }

    private static void clear(String user, String role) {
        server.admin.put("/users/" + user + "/clearance", Map.of("level", "restricted")).expect(200);
        server.admin.put("/projects/genomics/members/" + user, Map.of("role", role)).expect(200);
    }

    private static void awaitActive(Api caller, String name) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!caller.get("/constellations/" + name).expect(200).json().get("state").asText().equals("ACTIVE")) {
            assertThat(System.nanoTime()).as(name + " ACTIVE within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
