package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Writes messages as JSON envelopes ({@code {"v": 1, "type": "register", "body": {...}}}) and reads them back,
 * and does the same for the plaintext of a {@link JoinBundle} ({@code {"v": 1, "memberName": ..., "steps":
 * [...]}}).
 *
 * <p>Reading is tolerant where peers of different releases meet, and strict elsewhere:
 * <ul>
 *   <li>unknown fields, at any level, are ignored: a newer peer may add fields within a major version;</li>
 *   <li>fields that older peers did not send are optional ({@link Register#agentVersion()},
 *       {@link Register#osFamily()}, {@link Register#tlsPublicKey()}, {@link Registered#clientCertificate()},
 *       {@link Registered#caCertificate()}; every {@code message} text, read as empty; argument and result maps, read as
 *       empty); a JSON {@code null} counts as absent;</li>
 *   <li>an unknown major version, an unknown message type or an unknown enum value is refused with a
 *       {@link ProtocolException} that says which side to upgrade;</li>
 *   <li>a field of the wrong JSON type, a duplicated field, trailing content, or a value that the message's
 *       compact constructor refuses, is refused too.</li>
 * </ul>
 * Times are ISO-8601 instants in UTC ({@code 2025-01-01T00:00:00Z}); binary values are standard base64.
 *
 * <p>Every failure to read is a {@link ProtocolException}. Its message names the message type and field, never a
 * value, so it may be logged and shown even when the message carried a token or a password. An instance is
 * immutable and safe for use by many threads.
 */
public final class ProtocolCodec {

    /** The major protocol version this release writes and reads. */
    public static final int CURRENT_VERSION = 1;
    /** The largest message read, in characters (JSON text) or bytes (join bundle). */
    public static final int MAX_MESSAGE_CHARS = 4 * 1024 * 1024;

    private static final String VERSION = "v";
    private static final String TYPE = "type";
    private static final String BODY = "body";
    private static final int MAX_ECHOED_CHARS = 64;

    private final JsonMapper mapper = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private final JsonNodeFactory nodes = JsonNodeFactory.instance;

    /** The message as one JSON envelope of the {@linkplain #CURRENT_VERSION current version}. */
    public String encode(Message message) {
        requireNonNull(message, "message is null");
        ObjectNode envelope = nodes.objectNode();
        envelope.put(VERSION, CURRENT_VERSION);
        envelope.put(TYPE, message.type().wireName());
        envelope.set(BODY, body(message));
        return write(envelope);
    }

    /**
     * Reads one JSON envelope.
     *
     * @throws ProtocolException when the text is not a message this release can read; see the class comment
     */
    public Envelope decode(String json) {
        requireNonNull(json, "json is null");
        if (json.length() > MAX_MESSAGE_CHARS) {
            throw new ProtocolException(ProtocolException.Code.MALFORMED,
                    "the message is larger than " + MAX_MESSAGE_CHARS + " characters");
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (JsonProcessingException malformed) {
            throw notJson("the message", malformed.getLocation());
        }
        Fields envelope = Fields.of(root, "the envelope");
        int version = checkVersion(envelope, "message");
        String typeName = envelope.requiredText(TYPE);
        MessageType type = MessageType.fromWireName(typeName)
                .orElseThrow(() -> new ProtocolException(ProtocolException.Code.UNKNOWN_TYPE,
                        "unknown message type '" + echo(typeName) + "' in protocol version " + version
                                + ": the sender is newer than this peer; upgrade this peer (the server, or the agent"
                                + " in the VM) to the sender's release"));
        Fields body = envelope.requiredObject(BODY, type.wireName());
        return new Envelope(version, message(type, body));
    }

    /** The join bundle as UTF-8 JSON, the plaintext to {@linkplain Sealing#seal seal}. */
    public byte[] encodeJoinBundle(JoinBundle bundle) {
        requireNonNull(bundle, "bundle is null");
        ObjectNode root = nodes.objectNode();
        root.put(VERSION, CURRENT_VERSION);
        root.put("memberName", bundle.memberName());
        root.put("domain", bundle.domain());
        root.put("computerName", bundle.computerName());
        root.put("oneTimePassword", bundle.oneTimePassword());
        root.put("dcAddress", bundle.dcAddress());
        if (!bundle.batchKey().isEmpty()) {
            root.put("batchKey", bundle.batchKey());
        }
        ArrayNode steps = root.putArray("steps");
        for (JoinBundle.Step step : bundle.steps()) {
            ObjectNode node = steps.addObject();
            node.put("name", step.name());
            node.put("script", step.script());
            node.put("rebootAfter", step.rebootAfter());
        }
        return write(root).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Reads a join bundle from an opened sealed box.
     *
     * @throws ProtocolException when the bytes are not a join bundle this release can read; the message never
     *     contains any part of the bundle
     */
    public JoinBundle decodeJoinBundle(byte[] json) {
        requireNonNull(json, "json is null");
        if (json.length > MAX_MESSAGE_CHARS) {
            throw new ProtocolException(ProtocolException.Code.MALFORMED,
                    "the join bundle is larger than " + MAX_MESSAGE_CHARS + " bytes");
        }
        JsonNode root;
        try {
            root = mapper.readTree(json);
        } catch (IOException malformed) {
            JsonLocation location = malformed instanceof JsonProcessingException processing
                    ? processing.getLocation()
                    : null;
            throw notJson("the join bundle", location);
        }
        Fields bundle = Fields.of(root, "the join bundle");
        checkVersion(bundle, "join bundle");
        List<JoinBundle.Step> steps = new ArrayList<>();
        for (Fields step : bundle.requiredObjects("steps")) {
            steps.add(construct(step.context(), () -> new JoinBundle.Step(
                    step.requiredText("name"), step.requiredText("script"), step.requiredBoolean("rebootAfter"))));
        }
        return construct("join bundle", () -> new JoinBundle(
                bundle.requiredText("memberName"),
                bundle.requiredText("domain"),
                bundle.requiredText("computerName"),
                bundle.requiredText("oneTimePassword"),
                bundle.requiredText("dcAddress"),
                steps,
                bundle.optionalText("batchKey").orElse("")));
    }

    private ObjectNode body(Message message) {
        ObjectNode body = nodes.objectNode();
        switch (message) {
            case Register register -> {
                body.put("vmId", register.vmId());
                body.put("registrationToken", register.registrationToken());
                body.put("agentPublicKey", register.agentPublicKey());
                register.agentVersion().ifPresent(version -> body.put("agentVersion", version));
                register.osFamily().ifPresent(family -> body.put("osFamily", family));
                register.tlsPublicKey().ifPresent(key -> body.put("tlsPublicKey", key));
            }
            case Registered registered -> {
                body.put("vmId", registered.vmId());
                body.put("role", registered.role().wireName());
                body.put("serverTime", registered.serverTime().toString());
                registered.clientCertificate().ifPresent(pem -> body.put("clientCertificate", pem));
                registered.caCertificate().ifPresent(pem -> body.put("caCertificate", pem));
            }
            case RegistrationRefused refused -> body.put("reason", refused.reason());
            case Heartbeat heartbeat -> {
                body.put("vmId", heartbeat.vmId());
                body.put("sentAt", heartbeat.sentAt().toString());
            }
            case SealedBundle bundle -> {
                body.put("bundleId", bundle.bundleId());
                body.put("memberName", bundle.memberName());
                ObjectNode sealed = body.putObject("sealed");
                sealed.put("ephemeralPublicKey", bundle.sealed().ephemeralPublicKey());
                sealed.put("nonce", bundle.sealed().nonce());
                sealed.put("ciphertext", bundle.sealed().ciphertext());
                sealed.put("associatedData", bundle.sealed().associatedData());
            }
            case StepReport report -> {
                body.put("bundleId", report.bundleId());
                body.put("stepIndex", report.stepIndex());
                body.put("stepName", report.stepName());
                body.put("status", report.status().name());
                body.put("message", report.message());
                body.put("at", report.at().toString());
            }
            case ControllerCommand command -> {
                body.put("commandId", command.commandId());
                body.put("kind", command.kind().name());
                putMap(body.putObject("arguments"), command.arguments());
            }
            case CommandResult result -> {
                body.put("commandId", result.commandId());
                body.put("ok", result.ok());
                body.put("message", result.message());
                putMap(body.putObject("results"), result.results());
            }
        }
        return body;
    }

    private static Message message(MessageType type, Fields body) {
        String context = type.wireName();
        return switch (type) {
            case REGISTER -> construct(context, () -> new Register(
                    body.requiredText("vmId"),
                    body.requiredText("registrationToken"),
                    body.requiredText("agentPublicKey"),
                    body.optionalText("agentVersion"),
                    body.optionalText("osFamily"),
                    body.optionalText("tlsPublicKey")));
            case REGISTERED -> {
                AgentRole role = body.requiredEnum("role", AgentRole::fromWireName);
                yield construct(context, () -> new Registered(
                        body.requiredText("vmId"), role, body.requiredInstant("serverTime"),
                        body.optionalText("clientCertificate"), body.optionalText("caCertificate")));
            }
            case REGISTRATION_REFUSED -> construct(context, () -> new RegistrationRefused(body.requiredText("reason")));
            case HEARTBEAT -> construct(context, () -> new Heartbeat(
                    body.requiredText("vmId"), body.requiredInstant("sentAt")));
            case SEALED_BUNDLE -> {
                Fields sealed = body.requiredObject("sealed", context);
                SealedBox box = construct(sealed.context(), () -> new SealedBox(
                        sealed.requiredText("ephemeralPublicKey"),
                        sealed.requiredText("nonce"),
                        sealed.requiredText("ciphertext"),
                        sealed.requiredText("associatedData")));
                yield construct(context, () -> new SealedBundle(
                        body.requiredText("bundleId"), body.requiredText("memberName"), box));
            }
            case STEP_REPORT -> {
                StepStatus status = body.requiredEnum("status", name -> enumByName(StepStatus.class, name));
                yield construct(context, () -> new StepReport(
                        body.requiredText("bundleId"),
                        body.requiredInt("stepIndex"),
                        body.requiredText("stepName"),
                        status,
                        body.optionalText("message").orElse(""),
                        body.requiredInstant("at")));
            }
            case CONTROLLER_COMMAND -> {
                CommandKind kind = body.requiredEnum("kind", name -> enumByName(CommandKind.class, name));
                yield construct(context, () -> new ControllerCommand(
                        body.requiredText("commandId"), kind, body.optionalMap("arguments")));
            }
            case COMMAND_RESULT -> construct(context, () -> new CommandResult(
                    body.requiredText("commandId"),
                    body.requiredBoolean("ok"),
                    body.optionalText("message").orElse(""),
                    body.optionalMap("results")));
        };
    }

    private static int checkVersion(Fields fields, String what) {
        int version = fields.requiredInt(VERSION);
        if (version > CURRENT_VERSION) {
            throw new ProtocolException(ProtocolException.Code.UNSUPPORTED_VERSION,
                    "the " + what + " uses Asterism agent protocol version " + version + ", but this peer speaks"
                            + " only version " + CURRENT_VERSION + ": upgrade this peer (the server, or the agent in"
                            + " the VM) to a release that speaks version " + version);
        }
        if (version < 1) {
            throw new ProtocolException(ProtocolException.Code.UNSUPPORTED_VERSION,
                    "the " + what + " claims Asterism agent protocol version " + version + ", which no release"
                            + " speaks: the sender is not a working Asterism peer");
        }
        return version;
    }

    /**
     * Runs a record constructor, turning its validation failure into a {@link ProtocolException}. The
     * constructors' messages name fields and never values, so they are safe to pass on.
     */
    private static <T> T construct(String context, Supplier<T> constructor) {
        try {
            return constructor.get();
        } catch (IllegalArgumentException | NullPointerException invalid) {
            String reason = invalid.getMessage() == null ? "a value is invalid" : invalid.getMessage();
            throw new ProtocolException(ProtocolException.Code.INVALID_FIELD, context + ": " + reason);
        }
    }

    private static <E extends Enum<E>> Optional<E> enumByName(Class<E> type, String name) {
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(name)) {
                return Optional.of(constant);
            }
        }
        return Optional.empty();
    }

    private static void putMap(ObjectNode node, Map<String, String> map) {
        map.forEach(node::put);
    }

    private String write(ObjectNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException impossible) {
            throw new IllegalStateException("a JSON tree could not be written", impossible);
        }
    }

    private static ProtocolException notJson(String what, JsonLocation location) {
        // Jackson's own message may quote the input, which may hold a secret: only the position is kept.
        String where = location == null
                ? ""
                : " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
        return new ProtocolException(ProtocolException.Code.MALFORMED,
                what + " is not one valid JSON object without duplicated fields" + where);
    }

    /** A value from the wire that is safe to repeat in a message: short, and only name-like characters. */
    static String echo(String value) {
        if (value.length() > MAX_ECHOED_CHARS || !value.matches("[A-Za-z0-9._-]*")) {
            return "<not shown>";
        }
        return value;
    }

    /** The fields of one JSON object, read with the message type and path for error messages. */
    private record Fields(ObjectNode node, String context) {

        static Fields of(JsonNode node, String context) {
            if (!(node instanceof ObjectNode object)) {
                throw new ProtocolException(ProtocolException.Code.MALFORMED, context + " is not a JSON object");
            }
            return new Fields(object, context);
        }

        private Optional<JsonNode> optional(String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                return Optional.empty();
            }
            return Optional.of(value);
        }

        private JsonNode required(String field) {
            return optional(field).orElseThrow(() -> new ProtocolException(ProtocolException.Code.MISSING_FIELD,
                    context + ": field '" + field + "' is missing"));
        }

        private ProtocolException invalid(String field, String expected) {
            return new ProtocolException(ProtocolException.Code.INVALID_FIELD,
                    context + ": field '" + field + "' must be " + expected);
        }

        String requiredText(String field) {
            JsonNode value = required(field);
            if (!value.isTextual()) {
                throw invalid(field, "a string");
            }
            return value.textValue();
        }

        Optional<String> optionalText(String field) {
            Optional<JsonNode> value = optional(field);
            if (value.isPresent() && !value.get().isTextual()) {
                throw invalid(field, "a string");
            }
            return value.map(JsonNode::textValue);
        }

        int requiredInt(String field) {
            JsonNode value = required(field);
            if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                throw invalid(field, "a whole number");
            }
            return value.intValue();
        }

        boolean requiredBoolean(String field) {
            JsonNode value = required(field);
            if (!value.isBoolean()) {
                throw invalid(field, "true or false");
            }
            return value.booleanValue();
        }

        Instant requiredInstant(String field) {
            String text = requiredText(field);
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException notAnInstant) {
                throw invalid(field, "an ISO-8601 instant such as 2025-01-01T00:00:00Z");
            }
        }

        <E> E requiredEnum(String field, Function<String, Optional<E>> lookup) {
            String name = requiredText(field);
            return lookup.apply(name).orElseThrow(() -> new ProtocolException(ProtocolException.Code.UNKNOWN_VALUE,
                    context + ": field '" + field + "' holds '" + echo(name) + "', which this release does not"
                            + " know: the sender is newer; upgrade this peer (the server, or the agent in the VM)"
                            + " to the sender's release"));
        }

        Fields requiredObject(String field, String childContext) {
            JsonNode value = required(field);
            if (!value.isObject()) {
                throw invalid(field, "a JSON object");
            }
            return new Fields((ObjectNode) value, childContext + "." + field);
        }

        List<Fields> requiredObjects(String field) {
            JsonNode value = required(field);
            if (!value.isArray()) {
                throw invalid(field, "a JSON array");
            }
            List<Fields> elements = new ArrayList<>();
            for (int index = 0; index < value.size(); index++) {
                JsonNode element = value.get(index);
                if (!element.isObject()) {
                    throw invalid(field + "[" + index + "]", "a JSON object");
                }
                elements.add(new Fields((ObjectNode) element, context + "." + field + "[" + index + "]"));
            }
            return elements;
        }

        Map<String, String> optionalMap(String field) {
            Optional<JsonNode> value = optional(field);
            if (value.isEmpty()) {
                return Map.of();
            }
            if (!value.get().isObject()) {
                throw invalid(field, "a JSON object of strings");
            }
            Map<String, String> map = new TreeMap<>();
            for (Map.Entry<String, JsonNode> entry : value.get().properties()) {
                if (!entry.getValue().isTextual()) {
                    throw invalid(field + "." + echo(entry.getKey()), "a string");
                }
                map.put(entry.getKey(), entry.getValue().textValue());
            }
            return map;
        }
    }
}
