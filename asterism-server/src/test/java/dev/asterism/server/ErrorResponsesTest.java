package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets a status, a code and a message that says what to do; never a stack trace. */
class ErrorResponsesTest {
    static TestServer server;
    static Api admin;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        admin = server.admin;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static Api.Response expectError(Api.Response response, int status, String code) {
        assertThat(response.status()).as(response.body()).isEqualTo(status);
        assertThat(response.error()).isEqualTo(code);
        assertThat(response.json().get("message").asText()).isNotBlank();
        assertThat(response.json().get("details").isObject()).isTrue();
        assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.");
        return response;
    }

    @Test
    void a_body_that_is_not_json_is_a_400() {
        expectError(admin.post("/profiles", "{not json"), 400, "MALFORMED_REQUEST");
        expectError(admin.post("/profiles", ""), 400, "MALFORMED_REQUEST");
        expectError(admin.post("/profiles", "[1,2]"), 400, "MALFORMED_REQUEST");
        expectError(admin.post("/profiles", "null"), 400, "MALFORMED_REQUEST");
    }

    @Test
    void a_field_of_the_wrong_type_is_a_400_naming_the_field() {
        var response = expectError(admin.post("/profiles", Map.of("name", "p1", "vcpus", "two", "memoryMib", 512,
                "diskGib", 1)), 400, "MALFORMED_REQUEST");
        assertThat(response.json().get("details").get("field").asText()).isEqualTo("vcpus");
        expectError(admin.post("/profiles", "{\"name\":\"p1\",\"vcpus\":1.5,\"memoryMib\":512,\"diskGib\":1}"),
                400, "MALFORMED_REQUEST");
    }

    @Test
    void duplicate_keys_coerced_scalars_and_absurd_nesting_are_400s() {
        var duplicate = expectError(admin.post("/users",
                "{\"username\":\"one\",\"username\":\"two\",\"password\":\"long-enough-pw\",\"role\":\"user\"}"),
                400, "MALFORMED_REQUEST");
        assertThat(duplicate.json().get("message").asText()).contains("Duplicate field 'username'");
        var coerced = expectError(admin.post("/images", "{\"name\":true,\"osFamily\":\"linux\",\"source\":\"x\"}"),
                400, "MALFORMED_REQUEST");
        assertThat(coerced.json().get("details").get("field").asText()).isEqualTo("name");
        expectError(admin.post("/images", "{\"name\":12,\"osFamily\":\"linux\",\"source\":\"x\"}"),
                400, "MALFORMED_REQUEST");
        expectError(admin.post("/profiles", "{\"name\": 1" + "0".repeat(5000) + "}"), 400, "MALFORMED_REQUEST");
        expectError(admin.post("/auth/login", "{\"a\":".repeat(3000) + "1" + "}".repeat(3000)), 400,
                "MALFORMED_REQUEST");
        expectError(admin.post("/profiles", "x".repeat(1_100_000)), 413, "MALFORMED_REQUEST");
    }

    @Test
    void an_unknown_field_is_a_400_listing_the_known_ones() {
        var response = expectError(admin.post("/vms", Map.of("name", "x", "brick", "worker", "colour", "red")),
                400, "MALFORMED_REQUEST");
        assertThat(response.json().get("message").asText()).contains("colour").contains("brick");
    }

    @Test
    void a_value_that_breaks_a_rule_is_a_422_naming_the_field_and_the_rule() {
        var badName = expectError(admin.post("/vms", Map.of("name", "Not_A_Name", "brick", "worker")),
                422, "VALIDATION_FAILED");
        assertThat(badName.json().get("details").get("field").asText()).isEqualTo("name");
        assertThat(badName.json().get("message").asText()).contains("lower-case letters");
        expectError(admin.post("/vms", Map.of("name", "a".repeat(64), "brick", "worker")), 422, "VALIDATION_FAILED");
        var zero = expectError(admin.post("/profiles", Map.of("name", "p0", "vcpus", 0, "memoryMib", 512, "diskGib", 1)),
                422, "VALIDATION_FAILED");
        assertThat(zero.json().get("message").asText()).contains("vcpus").contains("1 to 256");
        expectError(admin.post("/images", Map.of("name", "img", "osFamily", "plan9", "source", "x")),
                422, "VALIDATION_FAILED");
        expectError(admin.post("/users", Map.of("username", "shorty", "password", "short", "role", "user")),
                422, "VALIDATION_FAILED");
        expectError(admin.post("/vms", Map.of("name", "x1", "brick", "worker", "realm", "mars")), 422,
                "VALIDATION_FAILED");
    }

    @Test
    void unknown_names_are_404_and_duplicates_409() {
        expectError(admin.get("/vms/nothing-here"), 404, "NOT_FOUND");
        expectError(admin.get("/bricks/nothing-here"), 404, "NOT_FOUND");
        expectError(admin.post("/vms", Map.of("name", "x2", "brick", "nothing-here")), 404, "NOT_FOUND");
        expectError(admin.post("/profiles", Map.of("name", "small", "vcpus", 1, "memoryMib", 512, "diskGib", 1)),
                409, "ALREADY_EXISTS");
        expectError(admin.delete("/profiles/small"), 409, "CONFLICT");
    }

    @Test
    void an_unknown_route_or_method_says_where_the_api_is_described() {
        var route = expectError(admin.get("/no/such/thing"), 404, "NOT_FOUND");
        assertThat(route.json().get("message").asText()).contains("openapi.json");
        expectError(admin.send("PATCH", "/vms", "{}", Map.of()), 405, "MALFORMED_REQUEST");
    }

    @Test
    void a_refused_request_changes_nothing() {
        long before = server.server.store().call(transaction -> transaction.audit().head().seq());
        admin.post("/bricks", Map.of("name", "half", "image", "linux", "profile", "nothing", "capabilities",
                java.util.List.of("worker"))).expect(422);
        admin.post("/bricks", Map.of("name", "half", "image", "linux", "profile", "small", "capabilities",
                java.util.List.of("worker", "astronaut"))).expect(422);
        admin.get("/bricks/half").expect(404);
        // Other tests of this class share the server, and their VMs write audit events in the background: look
        // only for what the refused requests could have written.
        var since = admin.get("/audit?afterSeq=" + before + "&limit=1000").expect(200).json();
        assertThat(since.findValuesAsText("action")).as("audit actions since the refused requests")
                .noneMatch(action -> action.startsWith("brick."));
        assertThat(since.findValuesAsText("target")).noneMatch(target -> target.contains("half"));
    }

    @Test
    void health_and_metrics_answer() {
        assertThat(admin.get("/healthz").expect(200).json().get("status").asText()).isEqualTo("ok");
        admin.post("/vms", Map.of("name", "metered", "brick", "worker")).expect(202);
        String metrics = admin.get("/metrics").expect(200).body();
        assertThat(metrics).contains("# TYPE asterism_http_requests_total counter")
                .contains("asterism_http_requests_total{method=\"POST\",route=\"/api/v1/vms\",status=\"202\"}")
                .contains("asterism_vms{state=")
                .contains("asterism_audit_events ");
    }

    @Test
    void responses_carry_security_headers() {
        var response = admin.get("/vms").expect(200);
        assertThat(response.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(response.header("Cache-Control")).isEqualTo("no-store");
        assertThat(response.header("Content-Security-Policy")).contains("default-src 'none'");
        assertThat(response.header("Permissions-Policy")).contains("clipboard-read=()", "clipboard-write=()");
    }
}
