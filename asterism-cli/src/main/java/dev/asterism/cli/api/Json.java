package dev.asterism.cli.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.UncheckedIOException;
import java.util.List;

/** The one JSON configuration of the CLI: what it sends, how it reads answers, how it prints them. */
public final class Json {

    private final ObjectMapper mapper = JsonMapper.builder()
            // A newer server may add fields; an older CLI must keep working.
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            // Optional request fields are left out rather than sent as null.
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    /** Parses text the server sent; blank text (a 204 answer) becomes a missing node. */
    public JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return mapper.missingNode();
        }
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UnexpectedResponseException("it is not JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads a response as one value of {@code type}. */
    public <T> T read(JsonNode response, Class<T> type) {
        try {
            return mapper.treeToValue(response, type);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new UnexpectedResponseException("expected " + describe(type) + ": " + firstLine(e.getMessage()));
        }
    }

    /** Reads a response that must be a JSON array of {@code type}. */
    public <T> List<T> readList(JsonNode response, Class<T> type) {
        if (!response.isArray()) {
            throw new UnexpectedResponseException("expected a list of " + describe(type) + ", got " + response.getNodeType());
        }
        try {
            return mapper.readerForListOf(type).readValue(response);
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new UnexpectedResponseException("expected a list of " + describe(type) + ": " + firstLine(e.getMessage()));
        }
    }

    /** The request body for {@code value}. */
    public String write(Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Indented JSON, for {@code --json} output. */
    public String pretty(Object value) {
        try {
            return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** JSON on one line, for a table cell. */
    public String compact(JsonNode value) {
        return write(value);
    }

    private static String describe(Class<?> type) {
        return type.getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
