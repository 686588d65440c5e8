package dev.asterism.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.asterism.core.error.AsterismException;
import dev.asterism.core.error.ErrorCode;
import io.javalin.http.Context;
import java.util.Map;
import java.util.stream.Collectors;

/** JSON in and out. Strict on input: unknown fields, wrong types and coerced scalars are refused, naming the field. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            // Two values for one key would mean different things to different readers.
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // A number or a boolean where text belongs is a mistake, not a name.
            .withCoercionConfig(LogicalType.Textual, config -> config
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private Json() {}

    /** A \\uXXXX escape of one half of a surrogate pair without its other half: not text in any encoding. */
    private static final java.util.regex.Pattern LONE_SURROGATE = java.util.regex.Pattern.compile(
            "\\\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\\\u[dD][c-fC-F][0-9a-fA-F]{2})"
                    + "|(?<!\\\\u[dD][89abAB][0-9a-fA-F]{2})\\\\u[dD][c-fC-F][0-9a-fA-F]{2}");

    /**
     * The request body as {@code type}: {@code application/json} in UTF-8, strictly.
     *
     * @throws AsterismException UNSUPPORTED_MEDIA_TYPE for another Content-Type or charset; MALFORMED_REQUEST for
     *     bytes that are not UTF-8, a lone surrogate, or JSON that does not fit, naming the field at fault
     */
    public static <T> T body(Context context, Class<T> type) {
        requireJson(context.contentType());
        String body;
        try {
            body = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(context.bodyAsBytes())).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "the request body is not valid UTF-8");
        }
        if (LONE_SURROGATE.matcher(body).find()) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "the request body holds a \\u escape of half"
                    + " a surrogate pair, which is no character: send the whole pair or the character itself");
        }
        if (body.isBlank()) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "a JSON object is required as the request body");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "a JSON object is required as the request body");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "unknown field '" + e.getPropertyName()
                    + "': known fields are " + e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", ")), Map.of("field", e.getPropertyName()));
        } catch (JsonMappingException e) {
            String field = e.getPath().stream()
                    .map(reference -> reference.getFieldName() != null ? reference.getFieldName() : "[" + reference.getIndex() + "]")
                    .collect(Collectors.joining("."));
            if (field.isEmpty()) {
                throw new AsterismException(ErrorCode.MALFORMED_REQUEST,
                        "the request body must be a JSON object with the fields of this endpoint");
            }
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "field '" + field + "' has the wrong type",
                    Map.of("field", field));
        } catch (StreamConstraintsException e) {
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST,
                    "the request body nests too deeply or holds a number or name that is too long");
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            String where = location == null ? "" : " (line " + location.getLineNr() + ", column "
                    + location.getColumnNr() + ")";
            String duplicate = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? ": " + e.getOriginalMessage() : "";
            throw new AsterismException(ErrorCode.MALFORMED_REQUEST, "the request body is not valid JSON" + where
                    + duplicate);
        }
    }

    private static void requireJson(String contentType) {
        if (contentType == null) {
            throw new AsterismException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "send the body as JSON with the header Content-Type: application/json");
        }
        String[] parts = contentType.split(";");
        if (!parts[0].strip().equalsIgnoreCase("application/json")) {
            throw new AsterismException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body must be application/json, not "
                    + parts[0].strip());
        }
        for (int i = 1; i < parts.length; i++) {
            String[] parameter = parts[i].split("=", 2);
            if (parameter[0].strip().equalsIgnoreCase("charset") && (parameter.length < 2
                    || !parameter[1].strip().replace("\"", "").equalsIgnoreCase("utf-8"))) {
                throw new AsterismException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the body must be UTF-8: send"
                        + " Content-Type: application/json or application/json; charset=utf-8");
            }
        }
    }
}
