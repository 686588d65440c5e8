package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.CommandKind;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The arguments of one command, read with messages that name the command and the argument. A missing or malformed
 * argument is a {@link CommandFailure} with code {@value Commands#INVALID}.
 */
record CommandArguments(CommandKind kind, Map<String, String> values) {

    CommandArguments {
        requireNonNull(kind, "kind is null");
        values = Map.copyOf(values);
    }

    /** The argument's text. */
    String text(String name) {
        return optionalText(name).orElseThrow(() -> invalid("needs the argument '" + name + "'"));
    }

    /** The argument's text, or empty when it is absent or blank. */
    Optional<String> optionalText(String name) {
        String value = values.get(name);
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        return Optional.of(value.strip());
    }

    /** The argument, parsed by a value type's factory that throws {@link IllegalArgumentException}. */
    <T> T parsed(String name, Function<String, T> parser) {
        return parse(name, text(name), parser);
    }

    /** The optional argument, parsed. */
    <T> Optional<T> optionalParsed(String name, Function<String, T> parser) {
        return optionalText(name).map(value -> parse(name, value, parser));
    }

    int port(String name) {
        return parsed(name, value -> {
            int port;
            try {
                port = Integer.parseInt(value);
            } catch (NumberFormatException notANumber) {
                throw new IllegalArgumentException("'" + value + "' is not a port number");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port must be 1 to 65535: " + port);
            }
            return port;
        });
    }

    Instant instant(String name) {
        return parsed(name, value -> {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException notAnInstant) {
                throw new IllegalArgumentException(
                        "'" + value + "' is not an ISO-8601 instant such as 2025-01-01T00:00:00Z");
            }
        });
    }

    private <T> T parse(String name, String value, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (IllegalArgumentException malformed) {
            throw invalid("argument '" + name + "' is invalid: " + malformed.getMessage());
        }
    }

    private CommandFailure invalid(String what) {
        return new CommandFailure(Commands.INVALID, kind + " " + what, false);
    }
}
