package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.server.http.ApiRoutes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint for every role: anonymous, a user without a grant (bob), a user granted 'use' on the worker and
 * controller bricks (alice, who owns the VMs; a researcher of the project 'closed' and in the team 'crew'), a user with
 * the same grants who manages 'closed' (mia), an admin (carol) and the super-admin. A {@code {role}} in a path or body
 * is replaced by the caller's name, so each caller acts on its own fixture.
 */
class AuthorizationMatrixTest {
    private static final List<String> ROLES = List.of("anonymous", "bob", "alice", "mia", "carol", "admin");
    private static TestServer server;
    private static final Map<String, Api> CALLERS = new LinkedHashMap<>();

    record Row(String route, String method, String path, Object body, int... expected) {}

    private static final List<Row> MATRIX = List.of(
            new Row("GET /openapi.json", "GET", "/openapi.json", null, 200, 200, 200, 200, 200, 200),
            new Row("POST /auth/logout", "POST", "/auth/logout", null, 401, 204, 204, 204, 204, 204),
            new Row("GET /auth/whoami", "GET", "/auth/whoami", null, 401, 200, 200, 200, 200, 200),
            new Row("GET /tokens", "GET", "/tokens", null, 401, 200, 200, 200, 200, 200),
            new Row("DELETE /tokens/{id}", "DELETE", "/tokens/tok-unknown", null, 401, 404, 404, 404, 404, 404),
            new Row("GET /users", "GET", "/users", null, 401, 403, 403, 403, 200, 200),
            new Row("POST /users", "POST", "/users", Map.of("username", "new-{role}", "password", "long-enough-pw",
                    "role", "user"), 401, 403, 403, 403, 201, 201),
            new Row("POST /users", "POST", "/users", Map.of("username", "boss-{role}", "password", "long-enough-pw",
                    "role", "admin"), 401, 403, 403, 403, 403, 201),
            new Row("GET /users/{username}", "GET", "/users/alice", null, 401, 404, 200, 404, 200, 200),
            new Row("DELETE /users/{username}", "DELETE", "/users/victim-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("GET /realms", "GET", "/realms", null, 401, 200, 200, 200, 200, 200),
            new Row("GET /profiles", "GET", "/profiles", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /profiles", "POST", "/profiles", Map.of("name", "p-{role}", "vcpus", 1, "memoryMib", 512,
                    "diskGib", 1), 401, 403, 403, 403, 201, 201),
            new Row("DELETE /profiles/{name}", "DELETE", "/profiles/gone-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("GET /images", "GET", "/images", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /images", "POST", "/images", Map.of("name", "i-{role}", "osFamily", "linux", "source", "x"),
                    401, 403, 403, 403, 201, 201),
            new Row("DELETE /images/{name}", "DELETE", "/images/gone-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("GET /bricks", "GET", "/bricks", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /bricks", "POST", "/bricks", Map.of("name", "b-{role}", "image", "linux", "profile", "small",
                    "capabilities", List.of("worker")), 401, 403, 403, 403, 201, 201),
            new Row("GET /bricks/{name}", "GET", "/bricks/worker", null, 401, 404, 200, 200, 200, 200),
            new Row("DELETE /bricks/{name}", "DELETE", "/bricks/gone-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("GET /bricks/{name}/grants", "GET", "/bricks/worker/grants", null, 401, 403, 403, 403, 200, 200),
            new Row("PUT /bricks/{name}/grants/{username}", "PUT", "/bricks/controller/grants/grantee-{role}",
                    Map.of("level", "use"), 401, 403, 403, 403, 200, 200),
            new Row("DELETE /bricks/{name}/grants/{username}", "DELETE", "/bricks/worker/grants/grantee-{role}", null,
                    401, 403, 403, 403, 204, 204),
            new Row("GET /vms", "GET", "/vms", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /vms", "POST", "/vms", Map.of("name", "vm-{role}", "brick", "worker"),
                    401, 404, 202, 202, 202, 202),
            new Row("GET /vms/{name}", "GET", "/vms/alices", null, 401, 404, 200, 404, 200, 200),
            new Row("POST /vms/{name}/stop", "POST", "/vms/alices/stop", null, 401, 404, 202, 404, 202, 202),
            new Row("POST /vms/{name}/start", "POST", "/vms/alices/start", null, 401, 404, 202, 404, 202, 202),
            new Row("DELETE /vms/{name}", "DELETE", "/vms/doomed-{role}", null, 401, 404, 202, 404, 202, 202),
            new Row("GET /constellations", "GET", "/constellations", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /constellations", "POST", "/constellations", Map.of("name", "c-{role}", "brick", "controller"),
                    401, 404, 403, 403, 202, 202),
            new Row("GET /constellations/{name}", "GET", "/constellations/owned", null, 401, 404, 404, 404, 200, 200),
            new Row("GET /constellations/{name}/events", "GET", "/constellations/gone", null,
                    401, 404, 404, 404, 200, 200),
            new Row("POST /constellations/{name}/members", "POST", "/constellations/owned/members",
                    Map.of("brick", "worker", "count", 1), 401, 404, 404, 404, 202, 202),
            new Row("DELETE /constellations/{name}/members/{member}", "DELETE", "/constellations/owned/members/nobody",
                    null, 401, 404, 404, 404, 404, 404),
            new Row("POST /constellations/{name}/members/{member}/retry", "POST",
                    "/constellations/owned/members/nobody/retry", null, 401, 404, 404, 404, 404, 404),
            // Tunnels and desktops are for the constellation's people only: an admin who is not one is refused.
            new Row("GET /constellations/{name}/members/{member}/connect", "GET",
                    "/constellations/owned/members/nobody/connect", null, 401, 403, 403, 403, 403, 404),
            new Row("GET /constellations/{name}/members/{member}/tunnel", "GET",
                    "/constellations/owned/members/nobody/tunnel", null, 401, 403, 403, 403, 403, 404),
            new Row("GET /constellations/{name}/people", "GET", "/constellations/owned/people", null,
                    401, 404, 404, 404, 200, 200),
            new Row("POST /constellations/{name}/people", "POST", "/constellations/owned/people",
                    Map.of("usernames", List.of("grantee-{role}")), 401, 404, 404, 404, 403, 202),
            new Row("DELETE /constellations/{name}/people/{username}", "DELETE",
                    "/constellations/owned/people/nobody", null, 401, 404, 404, 404, 403, 404),
            new Row("PUT /constellations/{name}/password", "PUT", "/constellations/owned/password",
                    Map.of("password", "Desk-Pass-2030x"), 401, 404, 404, 404, 403, 204),
            // The clipboard rule is the owner's (and managers' and admins') to set, like adding members.
            new Row("PUT /constellations/{name}/clipboard", "PUT", "/constellations/owned/clipboard",
                    Map.of("clipboard", "off"), 401, 404, 404, 404, 200, 200),
            // The sim realm's controller runs no scheduler: whoever may see the constellation gets that answer.
            new Row("GET /constellations/{name}/batch", "GET", "/constellations/owned/batch", null,
                    401, 404, 404, 404, 200, 200),
            new Row("DELETE /constellations/{name}", "DELETE", "/constellations/doomed-c-{role}", null,
                    401, 404, 404, 404, 202, 202),
            new Row("GET /levels", "GET", "/levels", null, 401, 200, 200, 200, 200, 200),
            new Row("PUT /levels", "PUT", "/levels", Map.of("levels", List.of(Map.of("name", "public"),
                    Map.of("name", "internal"), Map.of("name", "cui"))), 401, 403, 403, 403, 200, 200),
            new Row("PUT /users/{username}/clearance", "PUT", "/users/grantee-{role}/clearance",
                    Map.of("level", "internal"), 401, 403, 403, 403, 200, 200),
            new Row("PUT /bricks/{name}/level", "PUT", "/bricks/worker/level", Map.of("level", "public"),
                    401, 403, 403, 403, 200, 200),
            new Row("GET /projects", "GET", "/projects", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /projects", "POST", "/projects", Map.of("name", "p-{role}", "level", "public"),
                    401, 403, 403, 403, 201, 201),
            // A closed project is seen by its members and admins only; alice is one of its researchers.
            new Row("GET /projects/{name}", "GET", "/projects/closed", null, 401, 404, 200, 200, 200, 200),
            new Row("PUT /projects/{name}/quota", "PUT", "/projects/closed/quota", Map.of("vcpus", 100),
                    401, 403, 403, 403, 200, 200),
            new Row("GET /projects/{name}/usage", "GET", "/projects/closed/usage", null, 401, 404, 200, 200, 200, 200),
            new Row("PUT /projects/{name}/members/{username}", "PUT", "/projects/closed/members/grantee-{role}",
                    Map.of("role", "researcher"), 401, 404, 403, 200, 200, 200),
            new Row("DELETE /projects/{name}/members/{username}", "DELETE", "/projects/closed/members/nobody", null,
                    401, 404, 403, 404, 404, 404),
            new Row("DELETE /projects/{name}", "DELETE", "/projects/gone-p-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("PUT /projects/{name}/teams/{team}", "PUT", "/projects/closed/teams/crew",
                    Map.of("role", "researcher"), 401, 404, 403, 200, 200, 200),
            new Row("DELETE /projects/{name}/teams/{team}", "DELETE", "/projects/closed/teams/nobody", null,
                    401, 404, 403, 404, 404, 404),
            // Teams are the admins'; a member sees their own.
            new Row("GET /teams", "GET", "/teams", null, 401, 200, 200, 200, 200, 200),
            new Row("POST /teams", "POST", "/teams", Map.of("name", "t-{role}"), 401, 403, 403, 403, 201, 201),
            new Row("GET /teams/{name}", "GET", "/teams/crew", null, 401, 404, 200, 404, 200, 200),
            new Row("PUT /teams/{name}/members/{username}", "PUT", "/teams/crew/members/grantee-{role}", null,
                    401, 403, 403, 403, 200, 200),
            new Row("DELETE /teams/{name}/members/{username}", "DELETE", "/teams/crew/members/nobody", null,
                    401, 403, 403, 403, 404, 404),
            new Row("DELETE /teams/{name}", "DELETE", "/teams/gone-t-{role}", null, 401, 403, 403, 403, 204, 204),
            new Row("GET /bricks/{name}/team-grants", "GET", "/bricks/worker/team-grants", null,
                    401, 403, 403, 403, 200, 200),
            new Row("PUT /bricks/{name}/team-grants/{team}", "PUT", "/bricks/worker/team-grants/crew",
                    Map.of("level", "use"), 401, 403, 403, 403, 200, 200),
            new Row("DELETE /bricks/{name}/team-grants/{team}", "DELETE", "/bricks/controller/team-grants/crew", null,
                    401, 403, 403, 403, 404, 404),
            new Row("GET /audit", "GET", "/audit", null, 401, 403, 403, 403, 200, 200),
            new Row("GET /audit/verify", "GET", "/audit/verify", null, 401, 403, 403, 403, 200, 200));

    @BeforeAll
    static void fixtures() throws InterruptedException {
        server = TestServer.start();
        Api admin = server.admin;
        CALLERS.put("anonymous", Api.anonymous(server.url()));
        CALLERS.put("bob", server.user("bob", "user"));
        CALLERS.put("alice", server.user("alice", "user"));
        CALLERS.put("mia", server.user("mia", "user"));
        CALLERS.put("carol", server.user("carol", "admin"));
        CALLERS.put("admin", admin);
        admin.put("/bricks/worker/grants/alice", Map.of("level", "use")).expect(200);
        admin.put("/bricks/controller/grants/alice", Map.of("level", "use")).expect(200);
        admin.put("/bricks/worker/grants/mia", Map.of("level", "use")).expect(200);
        admin.put("/bricks/controller/grants/mia", Map.of("level", "use")).expect(200);
        admin.post("/constellations", Map.of("name", "owned", "brick", "controller")).expect(202);
        admin.post("/constellations", Map.of("name", "gone", "brick", "controller")).expect(202);
        admin.delete("/constellations/gone").expect(202);
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
        while (!admin.get("/constellations/gone").expect(200).json().get("state").asText().equals("DESTROYED")) {
            assertThat(System.nanoTime()).as("constellation 'gone' is destroyed within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        while (!admin.get("/constellations/owned").expect(200).json().get("state").asText().equals("ACTIVE")) {
            assertThat(System.nanoTime()).as("constellation 'owned' becomes ACTIVE within 30 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        CALLERS.get("alice").post("/vms", Map.of("name", "alices", "brick", "worker")).expect(202);
        admin.post("/projects", Map.of("name", "closed", "level", "public")).expect(201);
        admin.put("/projects/closed/members/alice", Map.of("role", "researcher")).expect(200);
        admin.put("/projects/closed/members/mia", Map.of("role", "manager")).expect(200);
        admin.post("/teams", Map.of("name", "crew")).expect(201);
        admin.put("/teams/crew/members/alice", null).expect(200);
        for (String role : ROLES) {
            admin.post("/users", Map.of("username", "victim-" + role, "password", "long-enough-pw", "role", "user"))
                    .expect(201);
            admin.post("/users", Map.of("username", "grantee-" + role, "password", "long-enough-pw", "role", "user"))
                    .expect(201);
            admin.put("/bricks/worker/grants/grantee-" + role, Map.of("level", "use")).expect(200);
            admin.post("/profiles", Map.of("name", "gone-" + role, "vcpus", 1, "memoryMib", 512, "diskGib", 1))
                    .expect(201);
            admin.post("/images", Map.of("name", "gone-" + role, "osFamily", "linux", "source", "x")).expect(201);
            admin.post("/bricks", Map.of("name", "gone-" + role, "image", "linux", "profile", "small",
                    "capabilities", List.of("worker"))).expect(201);
            CALLERS.get("alice").post("/vms", Map.of("name", "doomed-" + role, "brick", "worker")).expect(202);
            admin.post("/constellations", Map.of("name", "doomed-c-" + role, "brick", "controller")).expect(202);
            admin.post("/projects", Map.of("name", "gone-p-" + role, "level", "public")).expect(201);
            admin.post("/teams", Map.of("name", "gone-t-" + role)).expect(201);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void every_endpoint_answers_every_role_as_the_permission_rules_say() {
        List<String> mismatches = new ArrayList<>();
        StringBuilder table = new StringBuilder(String.format("%-42s %s%n", "route", String.join("  ", ROLES)));
        for (Row row : MATRIX) {
            StringBuilder line = new StringBuilder(String.format("%-42s", row.route()));
            for (int i = 0; i < ROLES.size(); i++) {
                String role = ROLES.get(i);
                Object body = row.body() == null ? null : substitute(row.body(), role);
                Api.Response response = CALLERS.get(role).send(row.method(), row.path().replace("{role}", role), body,
                        row.route().endsWith("/events") ? Map.of("Accept", "text/event-stream") : Map.of());
                line.append(String.format(" %" + role.length() + "d ", response.status()));
                if (response.status() != row.expected()[i]) {
                    mismatches.add(row.method() + " " + row.path() + " as " + role + ": expected "
                            + row.expected()[i] + ", got " + response.status() + " " + response.body());
                }
                if (response.status() >= 400) {
                    assertThat(response.json().get("message").asText()).isNotBlank();
                }
            }
            table.append(line).append('\n');
        }
        System.out.println(table);
        assertThat(mismatches).isEmpty();
    }

    @Test
    void the_matrix_covers_every_route_of_the_api() {
        Set<String> routes = new ApiRoutes(null, null, null, null, null, null, null, null, null, null, null, null, null,
                null).routes().stream()
                .map(route -> route.method() + " " + route.path()).collect(Collectors.toSet());
        Set<String> covered = MATRIX.stream().map(Row::route).collect(Collectors.toSet());
        // Login and token creation are public by nature; their throttling and failures are tested in AuthenticationTest.
        covered.add("POST /auth/login");
        covered.add("POST /auth/tokens");
        assertThat(covered).containsExactlyInAnyOrderElementsOf(routes);
    }

    @Test
    void a_user_sees_only_the_bricks_images_and_profiles_granted_and_only_their_own_vms() {
        Api bob = CALLERS.get("bob");
        assertThat(bob.get("/bricks").expect(200).json()).isEmpty();
        assertThat(bob.get("/images").expect(200).json()).isEmpty();
        assertThat(bob.get("/profiles").expect(200).json()).isEmpty();
        assertThat(bob.get("/vms").expect(200).json()).isEmpty();
        Api alice = CALLERS.get("alice");
        assertThat(alice.get("/bricks").expect(200).json().findValuesAsText("name"))
                .containsExactly("controller", "worker");
        assertThat(alice.get("/profiles").expect(200).json().findValuesAsText("name"))
                .containsExactly("medium", "small");
        assertThat(alice.get("/vms").expect(200).json().findValuesAsText("owner")).containsOnly("alice");
    }

    @Test
    void a_user_without_the_grant_is_told_which_grant_is_missing() {
        Api amy = server.user("amy", "user");
        server.admin.put("/bricks/controller/grants/amy", Map.of("level", "use")).expect(200);
        amy.post("/vms", Map.of("name", "ctl-amy", "brick", "controller")).expect(202);
        Api.Response constellation = amy.post("/constellations", Map.of("name", "amys", "brick", "controller"))
                .expect(403);
        assertThat(constellation.json().get("message").asText()).contains("'manage'").contains("'controller'");
        server.admin.delete("/bricks/controller/grants/amy").expect(204);
        Api.Response refused = amy.post("/vms", Map.of("name", "ctl-amy-2", "brick", "controller")).expect(404);
        assertThat(refused.json().get("message").asText()).contains("brick").contains("controller");
    }

    private static Object substitute(Object body, String role) {
        if (body instanceof Map<?, ?> map) {
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, value) -> copy.put((String) key, substitute(value, role)));
            return copy;
        }
        if (body instanceof List<?> list) {
            return list.stream().map(value -> substitute(value, role)).toList();
        }
        if (body instanceof String text) {
            return text.replace("{role}", role);
        }
        return body;
    }
}
