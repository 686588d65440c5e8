package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.server.http.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and malformed bodies against every write endpoint of the OpenAPI document: never a 5xx, never a stack
 * trace, always the error shape, and a refused request writes nothing (audit head and the listing unchanged).
 */
class MalformedInputPropertyTest {
    private static final String FIXTURE_BRICK = "fuzz-brick";
    private static final String FIXTURE_TEAM = "fuzz-team";
    private static final String FIXTURE_USER = "fuzz-user";
    private static final String FIXTURE_VM = "fuzz-vm";
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Stricter than the server on purpose: what the document calls valid has no duplicate keys and no tail. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    /** Values that pass the document's schema and name things that exist, so that a create can succeed. */
    private static final Map<String, List<String>> EXISTING = Map.of(
            "image", List.of("linux", "windows"),
            "profile", List.of("small", "medium"),
            "brick", List.of("worker", "controller"),
            "realm", List.of("sim"),
            "password", List.of("fuzz-password-1"),
            "source", List.of("debian-bookworm"),
            "description", List.of("made by the fuzzer", ""));

    static TestServer server;
    static JsonNode document;
    static List<Endpoint> endpoints;

    enum Kind {
        /** Creates or changes one thing: every check, including nothing written on a 4xx. */
        WRITE,
        /** Checks credentials; failures are throttled and audited by design, so only the answer's shape is checked. */
        CREDENTIALS,
        /** Takes no body: whatever is sent must not break it. */
        NO_BODY
    }

    /** A POST or PUT of the document with its placeholders filled and the listing it changes. */
    record Endpoint(String method, String documentedPath, String path, Kind kind, JsonNode schema, String listing) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** One request: an endpoint and the bytes of its body, with a label saying how they were made. */
    record Attempt(Endpoint endpoint, String label, byte[] body) {
        String preview() {
            String text = new String(body, StandardCharsets.UTF_8);
            String cut = text.length() > 300 ? text.substring(0, 300) + "… (" + body.length + " bytes)" : text;
            return cut.replaceAll("\\p{Cntrl}", "?");
        }

        @Override
        public String toString() {
            return endpoint + " [" + label + "] " + preview();
        }
    }

    record Answer(int status, String body) {
        String preview() {
            return body.length() > 500 ? body.substring(0, 500) + "… (" + body.length() + " characters)" : body;
        }
    }

    @BeforeContainer
    static void start() throws IOException {
        server = TestServer.start();
        try (InputStream in = MalformedInputPropertyTest.class.getResourceAsStream("/asterism/openapi.json")) {
            document = Json.MAPPER.readTree(in);
        }
        Api admin = server.admin;
        admin.post("/users", Map.of("username", FIXTURE_USER, "password", "fuzz-user-password", "role", "user"))
                .expect(201);
        admin.post("/bricks", Map.of("name", FIXTURE_BRICK, "image", "linux", "profile", "small",
                "capabilities", List.of("worker"))).expect(201);
        admin.post("/vms", Map.of("name", FIXTURE_VM, "brick", "worker")).expect(202);
        // A project and a team of the brick's name and of FIXTURE_TEAM, for the writes to their paths.
        admin.post("/projects", Map.of("name", FIXTURE_BRICK, "level", "public")).expect(201);
        admin.post("/teams", Map.of("name", FIXTURE_TEAM)).expect(201);
        server.awaitVmState(admin, FIXTURE_VM, "RUNNING");
        awaitQuietAudit();
        endpoints = writeEndpoints();
    }

    @AfterContainer
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static List<Endpoint> writeEndpoints() {
        List<Endpoint> found = new ArrayList<>();
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
            String method = operation.getKey().toUpperCase(Locale.ROOT);
            if (!method.equals("POST") && !method.equals("PUT")) {
                return;
            }
            String documentedPath = path.getKey();
            JsonNode schema = operation.getValue().path("requestBody").path("content").path("application/json")
                    .path("schema");
            Kind kind;
            if (documentedPath.startsWith("/auth/login") || documentedPath.startsWith("/auth/tokens")) {
                kind = Kind.CREDENTIALS;
            } else if (schema.isMissingNode()) {
                kind = Kind.NO_BODY;
            } else {
                kind = Kind.WRITE;
            }
            found.add(new Endpoint(method, documentedPath, fill(documentedPath), kind,
                    schema.isMissingNode() ? null : dereference(schema), listing(documentedPath)));
        }));
        assertThat(found).extracting(Endpoint::kind).contains(Kind.WRITE, Kind.CREDENTIALS, Kind.NO_BODY);
        return found;
    }

    /** Placeholders become the fixtures: {name} under /bricks is the brick, under /vms the VM. */
    static String fill(String documentedPath) {
        String name = documentedPath.startsWith("/vms/") ? FIXTURE_VM
                : documentedPath.startsWith("/teams/") ? FIXTURE_TEAM : FIXTURE_BRICK;
        return documentedPath.replace("{username}", FIXTURE_USER).replace("{name}", name)
                .replace("{member}", "fuzz-member").replace("{team}", FIXTURE_TEAM);
    }

    /** The collection a write to this path would change, or null when it changes none a listing shows. */
    static String listing(String documentedPath) {
        if (documentedPath.startsWith("/bricks/{name}/grants")) {
            return "/bricks/" + FIXTURE_BRICK + "/grants";
        }
        if (documentedPath.startsWith("/projects/{name}")) {
            return "/projects/" + FIXTURE_BRICK;
        }
        if (documentedPath.startsWith("/teams/{name}")) {
            return "/teams/" + FIXTURE_TEAM;
        }
        for (String collection : List.of("/users", "/profiles", "/images", "/bricks", "/vms", "/constellations",
                "/levels", "/projects", "/teams")) {
            if (documentedPath.startsWith(collection)) {
                return collection;
            }
        }
        return null;
    }

    static JsonNode dereference(JsonNode schema) {
        JsonNode current = schema;
        for (int hops = 0; current.has("$ref") && hops < 10; hops++) {
            current = document.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Properties

    @Property(tries = 700, edgeCases = EdgeCasesMode.NONE)
    void a_write_endpoint_refuses_what_its_schema_does_not_allow_and_then_writes_nothing(
            @ForAll("writeAttempts") Attempt attempt) {
        Endpoint endpoint = attempt.endpoint();
        AuditRepository.Head headBefore = head();
        JsonNode listBefore = list(endpoint.listing());

        Answer answer = send(attempt);
        checkShape(attempt, answer);

        if (answer.status() >= 400) {
            assertThat(head()).as("audit head after %s answered %s %s", attempt, answer.status(), answer.preview())
                    .isEqualTo(headBefore);
            assertThat(list(endpoint.listing()))
                    .as("%s after %s answered %s %s", endpoint.listing(), attempt, answer.status(), answer.preview())
                    .isEqualTo(listBefore);
            return;
        }
        boolean valid = looksValid(endpoint.schema(), attempt.body());
        undo(endpoint, answer);
        assertThat(valid).as("%s succeeded with %s %s although the document's schema refuses the body", attempt,
                answer.status(), answer.preview()).isTrue();
        assertThat(list(endpoint.listing())).as("%s after undoing %s", endpoint.listing(), attempt)
                .isEqualTo(listBefore);
    }

    @Property(tries = 150, edgeCases = EdgeCasesMode.NONE)
    void a_credentials_endpoint_answers_any_body_with_a_client_error(@ForAll("credentialAttempts") Attempt attempt) {
        Answer answer = send(attempt);
        checkShape(attempt, answer);
        assertThat(answer.status()).as("%s answered %s", attempt, answer.preview()).isBetween(400, 499);
    }

    @Property(tries = 60, edgeCases = EdgeCasesMode.NONE)
    void an_endpoint_without_a_body_is_not_broken_by_one(@ForAll("noBodyAttempts") Attempt attempt) {
        AuditRepository.Head headBefore = head();
        Answer answer = send(attempt);
        checkShape(attempt, answer);
        if (answer.status() >= 400) {
            assertThat(head()).as("audit head after %s answered %s %s", attempt, answer.status(), answer.preview())
                    .isEqualTo(headBefore);
        } else if (attempt.endpoint().path().endsWith("/stop")) {
            server.awaitVmState(server.admin, FIXTURE_VM, "STOPPED");
            awaitQuietAudit();
        } else if (attempt.endpoint().path().endsWith("/start")) {
            server.awaitVmState(server.admin, FIXTURE_VM, "RUNNING");
            awaitQuietAudit();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks

    /** Never a 5xx nor a stack trace; an error is {error, message, details}; a success is JSON or empty. */
    static void checkShape(Attempt attempt, Answer answer) {
        String context = attempt + " answered " + answer.status() + " " + answer.preview();
        assertThat(answer.status()).as(context).isLessThan(500);
        assertThat(answer.body()).as(context).doesNotContain("Exception").doesNotContain("at dev.");
        if (answer.status() == 204) {
            assertThat(answer.body()).as(context).isEmpty();
            return;
        }
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + context, e);
        }
        assertThat(body).as(context).isNotNull();
        if (answer.status() >= 400) {
            assertThat(body.isObject()).as(context).isTrue();
            assertThat(body.path("error").isTextual() && !body.path("error").asText().isBlank()).as(context).isTrue();
            assertThat(body.path("message").isTextual() && !body.path("message").asText().isBlank()).as(context)
                    .isTrue();
            assertThat(body.path("details").isObject()).as(context).isTrue();
        }
    }

    /** What the document's schema accepts, strictly: UTF-8, one JSON object, no duplicate keys, every rule met. */
    static boolean looksValid(JsonNode schema, byte[] body) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(body)).toString();
            return conforms(schema, STRICT.readTree(text));
        } catch (CharacterCodingException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    static boolean conforms(JsonNode schemaOrReference, JsonNode value) {
        JsonNode schema = dereference(schemaOrReference);
        if (value == null || value.isMissingNode()) {
            return false;
        }
        if (schema.has("enum")) {
            boolean listed = false;
            for (JsonNode allowed : schema.get("enum")) {
                listed |= allowed.equals(value);
            }
            if (!listed) {
                return false;
            }
        }
        switch (schema.path("type").asText()) {
            case "string" -> {
                if (!value.isTextual()) {
                    return false;
                }
                String text = value.asText();
                int length = text.codePointCount(0, text.length());
                if (schema.has("minLength") && length < schema.get("minLength").asInt()) {
                    return false;
                }
                if (schema.has("maxLength") && length > schema.get("maxLength").asInt()) {
                    return false;
                }
                return !schema.has("pattern") || Pattern.compile(schema.get("pattern").asText()).matcher(text).find();
            }
            case "integer" -> {
                if (!value.isIntegralNumber()) {
                    return false;
                }
                BigInteger number = value.bigIntegerValue();
                if (schema.has("minimum") && number.compareTo(schema.get("minimum").bigIntegerValue()) < 0) {
                    return false;
                }
                return !schema.has("maximum") || number.compareTo(schema.get("maximum").bigIntegerValue()) <= 0;
            }
            case "boolean" -> {
                return value.isBoolean();
            }
            case "array" -> {
                if (!value.isArray()) {
                    return false;
                }
                for (JsonNode item : value) {
                    if (schema.has("items") && !conforms(schema.get("items"), item)) {
                        return false;
                    }
                }
                return true;
            }
            case "object" -> {
                if (!value.isObject()) {
                    return false;
                }
                JsonNode properties = schema.path("properties");
                for (JsonNode required : schema.path("required")) {
                    if (!value.hasNonNull(required.asText())) {
                        return false;
                    }
                }
                for (var field : value.properties()) {
                    if (!properties.has(field.getKey())) {
                        if (schema.path("additionalProperties").asBoolean(true)) {
                            continue;
                        }
                        return false;
                    }
                    // The server reads an explicit null like a missing optional field.
                    if (!field.getValue().isNull() && !conforms(properties.get(field.getKey()), field.getValue())) {
                        return false;
                    }
                }
                return true;
            }
            default -> {
                return true;
            }
        }
    }

    /** Undoes a successful write so that the next try starts from the same state. */
    static void undo(Endpoint endpoint, Answer answer) {
        Api admin = server.admin;
        JsonNode created;
        try {
            created = Json.MAPPER.readTree(answer.body());
        } catch (IOException e) {
            throw new AssertionError(endpoint + " answered " + answer.status() + " with a body that is not JSON", e);
        }
        switch (endpoint.documentedPath()) {
            case "/users" -> admin.delete("/users/" + created.get("username").asText()).expect(204);
            case "/profiles" -> admin.delete("/profiles/" + created.get("name").asText()).expect(204);
            case "/images" -> admin.delete("/images/" + created.get("name").asText()).expect(204);
            case "/bricks" -> admin.delete("/bricks/" + created.get("name").asText()).expect(204);
            case "/bricks/{name}/grants/{username}" ->
                    admin.delete("/bricks/" + FIXTURE_BRICK + "/grants/" + FIXTURE_USER).expect(204);
            case "/vms" -> {
                String name = created.get("name").asText();
                destroyVm(name);
                server.awaitVmState(admin, name, "DESTROYED");
            }
            case "/constellations" -> {
                String name = created.get("name").asText();
                admin.delete("/constellations/" + name).expect(202);
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
                while (admin.get("/constellations").expect(200).json().findValuesAsText("name").contains(name)) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("constellation " + name + " was not destroyed within 20 s");
                    }
                    sleep(20);
                }
            }
            case "/levels" -> admin.put("/levels", Map.of("levels", List.of(Map.of("name", "public"))))
                    .expect(200);
            case "/users/{username}/clearance" ->
                    admin.put("/users/" + FIXTURE_USER + "/clearance", Map.of("level", "public")).expect(200);
            case "/bricks/{name}/level" ->
                    admin.put("/bricks/" + FIXTURE_BRICK + "/level", Map.of("level", "public")).expect(200);
            case "/projects" -> admin.delete("/projects/" + created.get("name").asText()).expect(204);
            case "/projects/{name}/quota" -> admin.put("/projects/" + FIXTURE_BRICK + "/quota", Map.of()).expect(200);
            case "/projects/{name}/members/{username}" ->
                    admin.delete("/projects/" + FIXTURE_BRICK + "/members/" + FIXTURE_USER).expect(204);
            case "/projects/{name}/teams/{team}" ->
                    admin.delete("/projects/" + FIXTURE_BRICK + "/teams/" + FIXTURE_TEAM).expect(204);
            case "/teams" -> admin.delete("/teams/" + created.get("name").asText()).expect(204);
            case "/teams/{name}/members/{username}" ->
                    admin.delete("/teams/" + FIXTURE_TEAM + "/members/" + FIXTURE_USER).expect(204);
            case "/bricks/{name}/team-grants/{team}" ->
                    admin.delete("/bricks/" + FIXTURE_BRICK + "/team-grants/" + FIXTURE_TEAM).expect(204);
            default -> throw new AssertionError("no way to undo a write to " + endpoint);
        }
        awaitQuietAudit();
    }

    /** Destroys a VM the reconciler may be working on: its 409 "changed meanwhile" asks for another try. */
    static void destroyVm(String name) {
        Api.Response response = server.admin.delete("/vms/" + name);
        for (int attempt = 0; response.status() == 409 && attempt < 50; attempt++) {
            sleep(20);
            response = server.admin.delete("/vms/" + name);
        }
        response.expect(202);
    }

    static AuditRepository.Head head() {
        return server.server.store().call(transaction -> transaction.audit().head());
    }

    static JsonNode list(String path) {
        if (path == null) {
            return NullNode.instance;
        }
        return server.admin.get(path).expect(200).json();
    }

    /** Waits until the reconciler has recorded everything a VM change causes: the head stays put for 150 ms. */
    static void awaitQuietAudit() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        AuditRepository.Head last = head();
        int quiet = 0;
        while (quiet < 3) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the audit chain kept growing for 20 s; last head " + last);
            }
            sleep(50);
            AuditRepository.Head now = head();
            quiet = now.equals(last) ? quiet + 1 : 0;
            last = now;
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Sends the bytes as they are, with the admin token (the credential endpoints ignore it). */
    static Answer send(Attempt attempt) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/api/v1" + attempt.endpoint().path()))
                    .method(attempt.endpoint().method(), HttpRequest.BodyPublishers.ofByteArray(attempt.body()))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + server.admin.token)
                    .timeout(Duration.ofSeconds(30))
                    .build();
            HttpResponse<String> response = CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new AssertionError(attempt + " failed to send", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Generators

    @Provide
    Arbitrary<Attempt> writeAttempts() {
        return attempts(Kind.WRITE);
    }

    @Provide
    Arbitrary<Attempt> credentialAttempts() {
        return attempts(Kind.CREDENTIALS);
    }

    @Provide
    Arbitrary<Attempt> noBodyAttempts() {
        return attempts(Kind.NO_BODY);
    }

    static Arbitrary<Attempt> attempts(Kind kind) {
        List<Endpoint> ofKind = endpoints.stream().filter(endpoint -> endpoint.kind() == kind).toList();
        // Edge cases of nested flatMaps multiply beyond any memory: random samples are what this test is about.
        return Arbitraries.of(ofKind).flatMap(endpoint -> bodies(endpoint.schema())
                .map(body -> new Attempt(endpoint, body.get1(), body.get2()))).withoutEdgeCases();
    }

    /** A labelled body: mostly near-misses of the schema, some valid, some not JSON at all. */
    static Arbitrary<Tuple.Tuple2<String, byte[]>> bodies(JsonNode schema) {
        JsonNode objectSchema = schema == null ? NODES.objectNode().put("type", "object") : schema;
        Arbitrary<Tuple.Tuple2<String, byte[]>> anyValue = jsonValues(3).map(value -> labelled("any JSON", value));
        Arbitrary<Tuple.Tuple2<String, byte[]>> wrongTypes = wrongTypes(objectSchema)
                .map(value -> labelled("known fields, random values", value));
        Arbitrary<Tuple.Tuple2<String, byte[]>> nearMiss = nearMisses(objectSchema);
        Arbitrary<Tuple.Tuple2<String, byte[]>> valid = validObjects(objectSchema)
                .map(value -> labelled("valid-looking", value));
        Arbitrary<Tuple.Tuple2<String, byte[]>> broken = brokenText(objectSchema);
        return Arbitraries.frequencyOf(
                Tuple.of(2, anyValue),
                Tuple.of(2, wrongTypes),
                Tuple.of(5, nearMiss),
                Tuple.of(1, valid),
                Tuple.of(3, broken));
    }

    static Tuple.Tuple2<String, byte[]> labelled(String label, JsonNode value) {
        return Tuple.of(label, write(value).getBytes(StandardCharsets.UTF_8));
    }

    static Tuple.Tuple2<String, byte[]> labelled(String label, String text) {
        return Tuple.of(label, text.getBytes(StandardCharsets.UTF_8));
    }

    static String write(JsonNode value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static List<String> fieldNames(JsonNode schema) {
        List<String> names = new ArrayList<>();
        schema.path("properties").fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Every field of the schema present, each with any JSON value. */
    static Arbitrary<JsonNode> wrongTypes(JsonNode schema) {
        List<String> names = fieldNames(schema);
        return jsonValues(2).list().ofSize(names.size()).map(values -> {
            ObjectNode object = NODES.objectNode();
            for (int i = 0; i < names.size(); i++) {
                object.set(names.get(i), values.get(i));
            }
            return object;
        });
    }

    /** A valid-looking object with one field replaced by an awkward value, removed, or an unknown field added. */
    static Arbitrary<Tuple.Tuple2<String, byte[]>> nearMisses(JsonNode schema) {
        List<String> names = fieldNames(schema);
        if (names.isEmpty()) {
            return awkwardValues().map(value -> labelled("awkward value", value));
        }
        Arbitrary<Tuple.Tuple2<String, byte[]>> replaced = Arbitraries.of(names).flatMap(name ->
                validObjects(schema).flatMap(object -> awkwardValues().map(value -> {
                    ObjectNode copy = object.deepCopy();
                    copy.set(name, value);
                    return labelled("field '" + name + "' awkward", copy);
                })));
        Arbitrary<Tuple.Tuple2<String, byte[]>> removed = Arbitraries.of(names).flatMap(name ->
                validObjects(schema).map(object -> {
                    ObjectNode copy = object.deepCopy();
                    copy.remove(name);
                    return labelled("field '" + name + "' missing", copy);
                }));
        Arbitrary<Tuple.Tuple2<String, byte[]>> extra = Arbitraries.of("Name", "NAME", "extra", "", " name", "id",
                "__proto__", "name\u0000").flatMap(key -> validObjects(schema).map(object -> {
                    ObjectNode copy = object.deepCopy();
                    copy.put(key, "surplus");
                    return labelled("unknown field '" + key + "'", copy);
                }));
        return Arbitraries.frequencyOf(Tuple.of(6, replaced), Tuple.of(1, removed), Tuple.of(1, extra));
    }

    /** An object every field of which meets its schema, with names of things that exist where one is needed. */
    static Arbitrary<ObjectNode> validObjects(JsonNode schema) {
        List<String> names = fieldNames(schema);
        List<Arbitrary<JsonNode>> values = new ArrayList<>();
        for (String name : names) {
            values.add(validValue(name, dereference(schema.path("properties").get(name))));
        }
        if (values.isEmpty()) {
            return Arbitraries.just(NODES.objectNode());
        }
        return Arbitraries.of(0).flatMap(ignored -> combine(names, values, 0, NODES.objectNode()));
    }

    private static Arbitrary<ObjectNode> combine(List<String> names, List<Arbitrary<JsonNode>> values, int index,
            ObjectNode sofar) {
        if (index == names.size()) {
            return Arbitraries.just(sofar);
        }
        return values.get(index).flatMap(value -> {
            ObjectNode next = sofar.deepCopy();
            next.set(names.get(index), value);
            return combine(names, values, index + 1, next);
        });
    }

    static Arbitrary<JsonNode> validValue(String name, JsonNode schema) {
        if (schema.has("enum")) {
            List<JsonNode> allowed = new ArrayList<>();
            schema.get("enum").forEach(allowed::add);
            return Arbitraries.of(allowed);
        }
        switch (schema.path("type").asText()) {
            case "integer" -> {
                long minimum = schema.path("minimum").asLong(0);
                long maximum = schema.path("maximum").asLong(1000);
                return Arbitraries.longs().between(minimum, maximum).map(value -> (JsonNode) LongNode.valueOf(value));
            }
            case "array" -> {
                return validValue(name, dereference(schema.path("items"))).list().ofMinSize(1).ofMaxSize(2)
                        .map(items -> {
                            ArrayNode array = NODES.arrayNode();
                            items.forEach(array::add);
                            return (JsonNode) array;
                        });
            }
            case "string" -> {
                if (EXISTING.containsKey(name)) {
                    return Arbitraries.of(EXISTING.get(name)).map(TextNode::valueOf);
                }
                // Fits both the DNS label and the user name patterns, and never names a fixture.
                return Arbitraries.strings().withCharRange('a', 'z').numeric().ofMinLength(1).ofMaxLength(8)
                        .map(suffix -> (JsonNode) TextNode.valueOf("fz" + suffix));
            }
            default -> {
                return Arbitraries.just(TextNode.valueOf("fz"));
            }
        }
    }

    /** Any JSON value, nested up to {@code depth} levels. */
    static Arbitrary<JsonNode> jsonValues(int depth) {
        Arbitrary<JsonNode> scalars = Arbitraries.oneOf(awkwardScalars(), Arbitraries.integers()
                .map(value -> (JsonNode) IntNode.valueOf(value)), Arbitraries.strings().alpha().ofMaxLength(12)
                .map(TextNode::valueOf));
        if (depth == 0) {
            return scalars;
        }
        Arbitrary<JsonNode> inner = Arbitraries.lazy(() -> jsonValues(depth - 1));
        Arbitrary<JsonNode> arrays = inner.list().ofMaxSize(4).map(items -> {
            ArrayNode array = NODES.arrayNode();
            items.forEach(array::add);
            return array;
        });
        Arbitrary<JsonNode> objects = Arbitraries.maps(Arbitraries.strings().alpha().ofMaxLength(8), inner)
                .ofMaxSize(4).map(fields -> {
                    ObjectNode object = NODES.objectNode();
                    fields.forEach(object::set);
                    return object;
                });
        return Arbitraries.frequencyOf(Tuple.of(4, scalars), Tuple.of(1, arrays), Tuple.of(1, objects));
    }

    /** Values at and past the edges: nulls, empty and huge strings, control and odd Unicode characters, numbers out of range. */
    static Arbitrary<JsonNode> awkwardScalars() {
        Arbitrary<JsonNode> fixed = Arbitraries.of(
                NullNode.instance,
                BooleanNode.TRUE,
                BooleanNode.FALSE,
                IntNode.valueOf(-1),
                IntNode.valueOf(0),
                IntNode.valueOf(Integer.MIN_VALUE),
                IntNode.valueOf(Integer.MAX_VALUE),
                LongNode.valueOf(1L << 31),
                LongNode.valueOf(Long.MIN_VALUE),
                LongNode.valueOf(Long.MAX_VALUE),
                BigIntegerNode.valueOf(BigInteger.TWO.pow(63)),
                BigIntegerNode.valueOf(BigInteger.TWO.pow(63).negate().subtract(BigInteger.ONE)),
                BigIntegerNode.valueOf(BigInteger.TEN.pow(400)),
                DoubleNode.valueOf(1e308),
                DoubleNode.valueOf(-1e308),
                DoubleNode.valueOf(1.5),
                DoubleNode.valueOf(2.0),
                DoubleNode.valueOf(4.9e-324),
                DecimalNode.valueOf(new BigDecimal("1e400")),
                TextNode.valueOf(""),
                TextNode.valueOf(" "),
                TextNode.valueOf("null"),
                TextNode.valueOf("1"),
                TextNode.valueOf("worker"),
                TextNode.valueOf("admin"),
                TextNode.valueOf("../../etc/passwd"),
                TextNode.valueOf("'; drop table users; --"),
                TextNode.valueOf("<script>alert(1)</script>"),
                TextNode.valueOf("%s%n%x"),
                TextNode.valueOf("a\u0000b"),
                TextNode.valueOf("line\nbreak"),
                TextNode.valueOf("tab\there"),
                TextNode.valueOf("\u007f\u0085\u2028\u2029"),
                TextNode.valueOf("\uFEFFbom"),
                TextNode.valueOf("\u202Eright-to-left"),
                TextNode.valueOf("zero\u200Bwidth"),
                TextNode.valueOf("e\u0301"),
                TextNode.valueOf("\uD800"),
                TextNode.valueOf("\uDC00x"),
                TextNode.valueOf("😀"),
                TextNode.valueOf("Ａｄｍｉｎ"),
                TextNode.valueOf("İ"));
        Arbitrary<JsonNode> sized = Arbitraries.of(1, 10, 32, 33, 63, 64, 100, 101, 256, 257, 1024, 1025, 100_000)
                .flatMap(length -> Arbitraries.of("a", "-", "😀", "é", "\u0001").map(unit -> {
                    String text = unit.repeat(length);
                    return (JsonNode) TextNode.valueOf(unit.equals("a") || unit.equals("-") ? text : "a" + text);
                }));
        Arbitrary<JsonNode> randomText = Arbitraries.strings().all().ofMaxLength(40).map(TextNode::valueOf);
        Arbitrary<JsonNode> controls = Arbitraries.strings().withCharRange('\u0000', '\u001f').ofMinLength(1)
                .ofMaxLength(8).map(TextNode::valueOf);
        // Made directly from the random source: a generated 100 KB string with shrinking costs too much memory.
        Arbitrary<JsonNode> huge = Arbitraries.randomValue(random -> {
            StringBuilder text = new StringBuilder(100_000);
            while (text.length() < 100_000) {
                text.appendCodePoint(random.nextInt(0x20, 0x2FFFF));
            }
            return (JsonNode) TextNode.valueOf(text.toString());
        });
        return Arbitraries.frequencyOf(Tuple.of(8, fixed), Tuple.of(4, sized), Tuple.of(3, randomText),
                Tuple.of(2, controls), Tuple.of(1, huge));
    }

    /** A value for one field: an awkward scalar, or a container holding awkward things. */
    static Arbitrary<JsonNode> awkwardValues() {
        Arbitrary<JsonNode> containers = Arbitraries.of(0).flatMap(ignored -> Arbitraries.oneOf(
                awkwardScalars().list().ofMaxSize(3).map(items -> {
                    ArrayNode array = NODES.arrayNode();
                    items.forEach(array::add);
                    return (JsonNode) array;
                }),
                Arbitraries.just((JsonNode) NODES.arrayNode().add("worker").addNull()),
                Arbitraries.just((JsonNode) NODES.arrayNode().add("worker").add("worker")),
                Arbitraries.just((JsonNode) NODES.arrayNode().add(NODES.arrayNode().add("worker"))),
                Arbitraries.just((JsonNode) NODES.objectNode().put("name", "worker")),
                Arbitraries.just(nested(200))));
        return Arbitraries.frequencyOf(Tuple.of(5, awkwardScalars()), Tuple.of(1, containers));
    }

    static JsonNode nested(int depth) {
        JsonNode value = TextNode.valueOf("deep");
        for (int i = 0; i < depth; i++) {
            value = i % 2 == 0 ? NODES.arrayNode().add(value) : NODES.objectNode().set("a", value);
        }
        return value;
    }

    /** Text that is not one valid JSON value of the right shape: cut short, doubled keys, not JSON at all. */
    static Arbitrary<Tuple.Tuple2<String, byte[]>> brokenText(JsonNode schema) {
        List<String> names = fieldNames(schema);
        String firstField = names.isEmpty() ? "name" : names.get(0);
        Arbitrary<String> validText = validObjects(schema).map(MalformedInputPropertyTest::write);
        Arbitrary<Tuple.Tuple2<String, byte[]>> truncated = validText.flatMap(text ->
                Arbitraries.integers().between(0, Math.max(0, text.length() - 1))
                        .map(cut -> labelled("truncated", text.substring(0, cut))));
        Arbitrary<Tuple.Tuple2<String, byte[]>> duplicateKey = validText.flatMap(text ->
                Arbitraries.of("\"fz-other\"", "null", "1", "[]", "\"\"").map(other -> labelled("duplicate key",
                        "{\"" + firstField + "\":" + other + "," + text.substring(1))));
        Arbitrary<Tuple.Tuple2<String, byte[]>> duplicateSame = validText.map(text -> {
            String withoutBrace = text.substring(1, text.length() - 1);
            return labelled("every key twice", "{" + withoutBrace + "," + withoutBrace + "}");
        });
        Arbitrary<Tuple.Tuple2<String, byte[]>> trailing = validText.flatMap(text ->
                Arbitraries.of(" garbage", "{}", text, ",", "]", "\u0000", " // comment")
                        .map(tail -> labelled("trailing text", text + tail)));
        Arbitrary<Tuple.Tuple2<String, byte[]>> randomBytes = Arbitraries.bytes().array(byte[].class).ofMaxSize(64)
                .map(bytes -> Tuple.of("random bytes", bytes));
        Arbitrary<Tuple.Tuple2<String, byte[]>> invalidUtf8 = validObjects(schema).map(object -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            String text = write(object);
            int quote = text.indexOf(":\"");
            if (quote < 0) {
                out.writeBytes(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'});
            } else {
                out.writeBytes(text.substring(0, quote + 2).getBytes(StandardCharsets.UTF_8));
                out.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xC3, (byte) 0x28, (byte) 0xED, (byte) 0xA0,
                        (byte) 0x80});
                out.writeBytes(text.substring(quote + 2).getBytes(StandardCharsets.UTF_8));
            }
            return Tuple.of("invalid UTF-8 in a string", out.toByteArray());
        });
        Arbitrary<Tuple.Tuple2<String, byte[]>> fixed = Arbitraries.of(
                labelled("empty", ""),
                labelled("blank", " \r\n\t"),
                labelled("null", "null"),
                labelled("string", "\"text\""),
                labelled("number", "42"),
                labelled("array", "[]"),
                labelled("open brace", "{"),
                labelled("close brace", "}"),
                labelled("unquoted", "{" + firstField + ": fz}"),
                labelled("single quotes", "{'" + firstField + "': 'fz'}"),
                labelled("comment", "{/* c */ \"" + firstField + "\": \"fz\"}"),
                labelled("trailing comma", "{\"" + firstField + "\": \"fz\",}"),
                labelled("NaN", "{\"" + firstField + "\": NaN}"),
                labelled("Infinity", "{\"" + firstField + "\": -Infinity}"),
                labelled("leading zeros", "{\"" + firstField + "\": 007}"),
                labelled("hex", "{\"" + firstField + "\": 0x10}"),
                labelled("huge number", "{\"" + firstField + "\": 1" + "0".repeat(5000) + "}"),
                labelled("huge exponent", "{\"" + firstField + "\": 1e999999999}"),
                labelled("raw control character", "{\"" + firstField + "\": \"a\u0001b\"}"),
                labelled("bad escape", "{\"" + firstField + "\": \"\\x41\"}"),
                labelled("lone surrogate escape", "{\"" + firstField + "\": \"\\uD800\"}"),
                labelled("byte order mark", "\uFEFF{}"),
                labelled("deep arrays", "{\"" + firstField + "\": " + "[".repeat(5000) + "]".repeat(5000) + "}"),
                labelled("deep objects", "{\"a\":".repeat(3000) + "1" + "}".repeat(3000)),
                labelled("unclosed deep arrays", "[".repeat(100_000)),
                labelled("many fields", manyFields(20_000)),
                labelled("huge key", "{\"" + "k".repeat(100_000) + "\": 1}"),
                labelled("form encoded", firstField + "=fz&x=1"),
                labelled("XML", "<" + firstField + ">fz</" + firstField + ">"));
        return Arbitraries.frequencyOf(
                Tuple.of(6, fixed),
                Tuple.of(3, truncated),
                Tuple.of(2, duplicateKey),
                Tuple.of(1, duplicateSame),
                Tuple.of(1, trailing),
                Tuple.of(2, randomBytes),
                Tuple.of(1, invalidUtf8));
    }

    static String manyFields(int count) {
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                text.append(',');
            }
            text.append("\"f").append(i).append("\":").append(i);
        }
        return text.append('}').toString();
    }
}
