package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.server.http.ApiRoutes;
import dev.asterism.server.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The hand-written OpenAPI document against the routes the server really has. */
class OpenApiDocumentTest {
    /** Operations anyone may call; every other one needs a token or a session. */
    private static final Set<String> PUBLIC_OPERATIONS = Set.of("GET /openapi.json", "POST /auth/login",
            "POST /auth/tokens");
    private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head",
            "options", "trace");
    private static final String MISSING_NAME = "no-such-thing";

    static TestServer server;
    static String resource;
    static JsonNode document;

    @BeforeAll
    static void start() throws IOException {
        server = TestServer.start();
        try (InputStream in = OpenApiDocumentTest.class.getResourceAsStream("/asterism/openapi.json")) {
            assertThat(in).as("openapi.json on the classpath").isNotNull();
            resource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        document = Json.MAPPER.readTree(resource);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** An operation of the document: method in upper case and path relative to {@link ApiRoutes#PREFIX}. */
    record Operation(String method, String path, JsonNode node) {
        String key() {
            return method + " " + path;
        }

        /** The path with every placeholder replaced by a name nothing has. */
        String pathWithMissingNames() {
            return path.replaceAll("\\{[^}]+}", MISSING_NAME);
        }

        boolean hasRequestBody() {
            return node.has("requestBody");
        }
    }

    static List<Operation> documentedOperations() {
        List<Operation> operations = new ArrayList<>();
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            if (HTTP_METHODS.contains(operation.getKey())) {
                operations.add(new Operation(operation.getKey().toUpperCase(Locale.ROOT), path.getKey(),
                        operation.getValue()));
            }
        }));
        return operations;
    }

    static Set<String> routedOperations() {
        // routes() only builds method references, so the services are never called here.
        ApiRoutes routes = new ApiRoutes(null, null, null, null, null, null, null, null, null, null, null, null, "",
                null);
        return routes.routes().stream().map(route -> route.method().name() + " " + route.path())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void the_served_document_is_the_resource_and_is_openapi_3_1() {
        Api.Response response = Api.anonymous(server.url()).get("/openapi.json").expect(200);
        assertThat(response.header("Content-Type")).startsWith("application/json");
        assertThat(response.body()).isEqualTo(resource);
        assertThat(response.json()).isEqualTo(document);
        assertThat(document.path("openapi").asText()).matches("3\\.1\\.\\d+");
        assertThat(document.path("paths").isObject()).isTrue();
    }

    @Test
    void the_document_describes_exactly_the_routes_of_the_server() {
        Set<String> documented = documentedOperations().stream().map(Operation::key)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> routed = routedOperations();
        Set<String> undocumented = new TreeSet<>(routed);
        undocumented.removeAll(documented);
        Set<String> nonexistent = new TreeSet<>(documented);
        nonexistent.removeAll(routed);
        assertThat(undocumented.isEmpty() && nonexistent.isEmpty())
                .as("routes missing from openapi.json: %s; operations in openapi.json that no route serves: %s",
                        undocumented, nonexistent)
                .isTrue();
        assertThat(documentedOperations()).as("operations documented twice").hasSameSizeAs(documented);
    }

    @Test
    void the_unknown_route_answer_is_recognisable() {
        Api.Response response = server.admin.get("/no-such-route").expect(404);
        assertThat(response.json().path("details").path("route").asText()).isEqualTo("unknown");
    }

    @Test
    void every_documented_operation_reaches_a_handler_that_answers_json() {
        List<String> failures = new ArrayList<>();
        for (Operation operation : documentedOperations()) {
            if (PUBLIC_OPERATIONS.contains(operation.key()) && operation.hasRequestBody()) {
                // A login with made-up credentials would count against the throttle; an empty object is refused
                // before any password is checked.
                Api.Response response = Api.anonymous(server.url())
                        .send(operation.method(), operation.pathWithMissingNames(), "{}", Map.of());
                checkReachedHandler(operation, response, failures);
                continue;
            }
            Object body = operation.hasRequestBody() ? "{}" : null;
            Api.Response response = server.admin.send(operation.method(), operation.pathWithMissingNames(), body,
                    Map.of());
            checkReachedHandler(operation, response, failures);
        }
        assertThat(failures).as("operations that did not reach a handler or did not answer JSON").isEmpty();
    }

    private static void checkReachedHandler(Operation operation, Api.Response response, List<String> failures) {
        String request = operation.method() + " " + operation.pathWithMissingNames();
        if (response.status() == 204) {
            if (!response.body().isEmpty()) {
                failures.add(request + ": 204 with a body " + response.body());
            }
            return;
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(response.body());
        } catch (IOException e) {
            failures.add(request + ": " + response.status() + " with a body that is not JSON: " + response.body());
            return;
        }
        if (body == null || body.isMissingNode()) {
            failures.add(request + ": " + response.status() + " with an empty body");
            return;
        }
        if (response.status() == 404 && "unknown".equals(body.path("details").path("route").asText(null))) {
            failures.add(request + ": no route (" + response.body() + ")");
        }
        if (response.status() == 405) {
            failures.add(request + ": method not allowed (" + response.body() + ")");
        }
        if (response.status() >= 500) {
            failures.add(request + ": " + response.status() + " " + response.body());
        }
    }

    @Test
    void every_reference_resolves() {
        List<String> references = new ArrayList<>();
        collectReferences(document, "", references);
        assertThat(references).as("$ref values in the document").isNotEmpty();
        List<String> unresolved = new ArrayList<>();
        for (String reference : references) {
            String target = reference.substring(reference.indexOf(" -> ") + 4);
            if (!target.startsWith("#/") || resolve(target).isMissingNode()) {
                unresolved.add(reference);
            }
        }
        assertThat(unresolved).as("references (location -> $ref) that point nowhere").isEmpty();
    }

    private static void collectReferences(JsonNode node, String location, List<String> references) {
        if (node.isObject()) {
            node.properties().forEach(entry -> {
                if (entry.getKey().equals("$ref")) {
                    references.add(location + " -> " + entry.getValue().asText());
                } else {
                    collectReferences(entry.getValue(), location + "/" + entry.getKey(), references);
                }
            });
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                collectReferences(node.get(i), location + "/" + i, references);
            }
        }
    }

    /** A local reference ({@code #/components/...}) or, followed through every {@code $ref}, a schema. */
    static JsonNode resolve(String reference) {
        return document.at(reference.substring(1));
    }

    static JsonNode dereference(JsonNode schema) {
        JsonNode current = schema;
        for (int hops = 0; current.has("$ref") && hops < 10; hops++) {
            current = resolve(current.get("$ref").asText());
        }
        return current;
    }

    @Test
    void every_request_body_refuses_unknown_fields() {
        List<String> open = new ArrayList<>();
        for (Operation operation : documentedOperations()) {
            if (!operation.hasRequestBody()) {
                continue;
            }
            JsonNode content = operation.node().path("requestBody").path("content");
            if (!content.has("application/json")) {
                open.add(operation.key() + ": no application/json content");
                continue;
            }
            JsonNode schema = dereference(content.get("application/json").path("schema"));
            if (!schema.path("type").asText().equals("object")) {
                open.add(operation.key() + ": the body is not an object schema");
            }
            JsonNode additional = schema.path("additionalProperties");
            if (!additional.isBoolean() || additional.asBoolean()) {
                open.add(operation.key() + ": additionalProperties is " + additional);
            }
            if (!operation.node().path("requestBody").path("required").asBoolean(false)) {
                open.add(operation.key() + ": requestBody is not required");
            }
        }
        assertThat(open).as("request bodies that do not forbid unknown fields").isEmpty();
    }

    @Test
    void every_operation_has_a_summary() {
        List<String> missing = documentedOperations().stream()
                .filter(operation -> operation.node().path("summary").asText("").isBlank())
                .map(Operation::key).toList();
        assertThat(missing).as("operations without a summary").isEmpty();
    }

    @Test
    void exactly_the_public_operations_are_documented_without_security() {
        Set<String> documentedPublic = documentedOperations().stream()
                .filter(operation -> operation.node().has("security") && operation.node().get("security").isEmpty())
                .map(Operation::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documentedPublic).isEqualTo(new TreeSet<>(PUBLIC_OPERATIONS));
    }

    @Test
    void every_operation_but_the_public_ones_needs_credentials() {
        Api anonymous = Api.anonymous(server.url());
        List<String> open = new ArrayList<>();
        for (Operation operation : documentedOperations()) {
            if (PUBLIC_OPERATIONS.contains(operation.key())) {
                continue;
            }
            Object body = operation.hasRequestBody() ? "{}" : null;
            Api.Response response = anonymous.send(operation.method(), operation.pathWithMissingNames(), body,
                    Map.of());
            if (response.status() != 401 || !"UNAUTHENTICATED".equals(errorCode(response))) {
                open.add(operation.key() + " -> " + response.status() + " " + response.body());
            }
        }
        assertThat(open).as("operations that do not answer 401 UNAUTHENTICATED without credentials").isEmpty();
    }

    private static String errorCode(Api.Response response) {
        try {
            return Json.MAPPER.readTree(response.body()).path("error").asText(null);
        } catch (IOException e) {
            return null;
        }
    }
}
