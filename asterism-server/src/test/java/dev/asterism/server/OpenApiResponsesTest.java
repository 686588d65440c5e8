package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.asterism.core.error.ErrorCode;
import dev.asterism.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the server answers is what openapi.json says it answers: live responses of every route (with real things
 * behind them, and for names that do not exist) are validated against the document's schemas, so that the document
 * cannot drift from the code.
 */
class OpenApiResponsesTest {

    private static final JsonSchemaFactory SCHEMAS = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    /** Not JSON when they succeed: the document itself (compared whole elsewhere), the event stream, the tunnel. */
    private static final Set<String> NOT_JSON = Set.of("GET /openapi.json", "GET /constellations/{name}/events",
            "GET /constellations/{name}/members/{member}/tunnel");

    static TestServer server;
    static JsonNode document;

    @BeforeAll
    static void start() throws IOException {
        server = TestServer.start();
        try (InputStream in = OpenApiResponsesTest.class.getResourceAsStream("/asterism/openapi.json")) {
            document = Json.MAPPER.readTree(in);
        }
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void every_route_answers_what_the_document_says_for_things_that_exist() throws Exception {
        List<String> failures = new ArrayList<>();
        Api admin = server.admin;
        server.user("rita", "user");
        check(failures, "PUT", "/bricks/{name}/grants/{username}",
                admin.put("/bricks/worker/grants/rita", Map.of("level", "use")));
        check(failures, "PUT", "/levels", admin.put("/levels", Map.of("levels", List.of(Map.of("name", "public"),
                Map.of("name", "internal", "description", "for the institution's staff")))));
        check(failures, "PUT", "/users/{username}/clearance",
                admin.put("/users/rita/clearance", Map.of("level", "internal")));
        check(failures, "PUT", "/bricks/{name}/level", admin.put("/bricks/worker/level", Map.of("level", "internal")));
        check(failures, "POST", "/projects", admin.post("/projects", Map.of("name", "p1", "level", "internal",
                "quota", Map.of("vms", 10, "vcpus", 64))));
        check(failures, "PUT", "/projects/{name}/members/{username}",
                admin.put("/projects/p1/members/rita", Map.of("role", "manager")));
        check(failures, "PUT", "/projects/{name}/quota", admin.put("/projects/p1/quota", Map.of("vms", 12)));
        check(failures, "POST", "/teams", admin.post("/teams", Map.of("name", "t1", "description", "the lab")));
        check(failures, "PUT", "/teams/{name}/members/{username}", admin.put("/teams/t1/members/rita", null));
        check(failures, "PUT", "/projects/{name}/teams/{team}",
                admin.put("/projects/p1/teams/t1", Map.of("role", "researcher")));
        check(failures, "PUT", "/bricks/{name}/team-grants/{team}",
                admin.put("/bricks/worker/team-grants/t1", Map.of("level", "use")));
        check(failures, "POST", "/vms", admin.post("/vms", Map.of("name", "v1", "brick", "worker")));
        check(failures, "POST", "/constellations",
                admin.post("/constellations", Map.of("name", "c1", "brick", "controller")));
        await("c1 ACTIVE", () -> admin.get("/constellations/c1").expect(200).json().get("state").asText()
                .equals("ACTIVE"));
        check(failures, "POST", "/constellations/{name}/members",
                admin.post("/constellations/c1/members", Map.of("brick", "worker", "count", 1)));
        await("the member READY", () -> admin.get("/constellations/c1").expect(200).json().get("members")
                .get(0).get("phase").asText().equals("READY"));
        String member = admin.get("/constellations/c1").expect(200).json().get("members").get(0).get("name")
                .asText();
        Map<String, String> names = Map.of("{username}", "rita", "{id}", "none", "{member}", member, "{team}", "t1");

        for (Operation operation : operations()) {
            if (!operation.method().equals("GET") || NOT_JSON.contains(operation.key())) {
                continue;
            }
            String path = operation.path();
            String thing = path.startsWith("/bricks") ? "worker" : path.startsWith("/vms") ? "v1"
                    : path.startsWith("/projects") ? "p1" : path.startsWith("/teams") ? "t1" : "c1";
            path = path.replace("{name}", thing);
            for (Map.Entry<String, String> name : names.entrySet()) {
                path = path.replace(name.getKey(), name.getValue());
            }
            Api.Response response = admin.get(path);
            assertThat(response.status()).as("GET %s: %s", path, response.body()).isLessThan(300);
            check(failures, operation.method(), operation.path(), response);
        }
        Api.Response notAStream = admin.get("/constellations/c1/events");
        assertThat(notAStream.status()).as("events without Accept: text/event-stream").isEqualTo(400);
        check(failures, "GET", "/constellations/{name}/events", notAStream);
        // A GET that is no upgrade passes the tunnel's checks (the owner, a READY member) and is then told to upgrade.
        Api.Response notAnUpgrade = admin.get("/constellations/c1/members/" + member + "/tunnel");
        assertThat(notAnUpgrade.status()).as("tunnel without an upgrade: %s", notAnUpgrade.body()).isEqualTo(400);
        assertThat(notAnUpgrade.body()).contains("Upgrade: websocket");
        check(failures, "GET", "/constellations/{name}/members/{member}/tunnel", notAnUpgrade);
        assertThat(failures).as("responses that the document does not describe").isEmpty();
    }

    @Test
    void every_route_answers_what_the_document_says_for_names_that_do_not_exist() {
        List<String> failures = new ArrayList<>();
        for (Operation operation : operations()) {
            if (operation.key().equals("GET /openapi.json") || operation.key().startsWith("POST /auth/")) {
                continue;
            }
            Object body = operation.node().has("requestBody") ? "{}" : null;
            Api.Response response = server.admin.send(operation.method(),
                    operation.path().replaceAll("\\{[^}]+}", "no-such-thing"), body, Map.of());
            check(failures, operation.method(), operation.path(), response);
        }
        assertThat(failures).as("responses that the document does not describe").isEmpty();
    }

    @Test
    void the_error_codes_of_the_document_are_the_servers() {
        List<String> documented = new ArrayList<>();
        document.path("components").path("schemas").path("Error").path("properties").path("error").path("enum")
                .forEach(code -> documented.add(code.asText()));
        assertThat(documented).containsExactlyElementsOf(java.util.Arrays.stream(ErrorCode.values()).map(Enum::name)
                .toList());
    }

    /** Validates {@code response} against the schema the document gives for its status (or its default). */
    private static void check(List<String> failures, String method, String path, Api.Response response) {
        String where = method + " " + path + " " + response.status();
        JsonNode operation = document.path("paths").path(path).path(method.toLowerCase(java.util.Locale.ROOT));
        if (operation.isMissingNode()) {
            failures.add(where + ": not in the document");
            return;
        }
        JsonNode responses = operation.path("responses");
        JsonNode described = responses.has(Integer.toString(response.status()))
                ? responses.get(Integer.toString(response.status())) : responses.path("default");
        if (described.isMissingNode()) {
            failures.add(where + ": the document has no answer for this status");
            return;
        }
        JsonNode schema = described.path("content").path("application/json").path("schema");
        if (schema.isMissingNode()) {
            if (!response.body().isEmpty()) {
                failures.add(where + ": a body where the document has none: " + response.body());
            }
            return;
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            failures.add(where + ": not JSON: " + response.body());
            return;
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", document.path("components"));
        root.putArray("allOf").add(schema);
        JsonSchema validator = SCHEMAS.getSchema(root);
        Set<ValidationMessage> problems = validator.validate(body);
        if (!problems.isEmpty()) {
            failures.add(where + ": " + problems + " in " + abbreviate(response.body()));
        }
    }

    private static String abbreviate(String body) {
        return body.length() > 600 ? body.substring(0, 600) + "..." : body;
    }

    record Operation(String method, String path, JsonNode node) {
        String key() {
            return method + " " + path;
        }
    }

    private static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (Set.of("get", "put", "post", "delete", "patch").contains(operation.getKey())) {
                operations.add(new Operation(operation.getKey().toUpperCase(java.util.Locale.ROOT), path.getKey(),
                        operation.getValue()));
            }
        }));
        return operations;
    }

    private static void await(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as(what + " within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
