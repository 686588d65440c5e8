package dev.asterism.cli;

import dev.asterism.cli.api.Capability;
import dev.asterism.cli.api.GrantLevel;
import dev.asterism.cli.api.OsFamily;
import dev.asterism.cli.api.Role;
import dev.asterism.cli.api.WireNamed;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Checks of command-line values that picocli runs while parsing, so that a wrong value is a usage error (exit 2)
 * reported before anything is sent to the server.
 */
final class Converters {

    private Converters() {}

    /** A whole number greater than zero: vCPUs, MiB, GiB, a page size. */
    static final class PositiveNumber implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long number;
            try {
                number = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number, got '" + value + "'");
            }
            if (number <= 0) {
                throw new TypeConversionException("must be greater than zero, got " + number);
            }
            return number;
        }
    }

    /** A whole number of zero or more: an audit sequence number. */
    static final class NonNegativeNumber implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            long number;
            try {
                number = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new TypeConversionException("expected a whole number, got '" + value + "'");
            }
            if (number < 0) {
                throw new TypeConversionException("must not be negative, got " + number);
            }
            return number;
        }
    }

    /** A positive duration such as {@code 90s}, {@code 10m}, {@code 1h}, {@code 500ms}, or ISO-8601 {@code PT10M}. */
    static final class PositiveDuration implements ITypeConverter<Duration> {
        private static final Pattern SHORT_FORM = Pattern.compile("(\\d+)(ms|s|m|h)");

        @Override
        public Duration convert(String value) {
            Duration duration = parse(value.strip().toLowerCase(Locale.ROOT));
            if (duration.isNegative() || duration.isZero()) {
                throw new TypeConversionException("must be longer than zero, got '" + value + "'");
            }
            return duration;
        }

        private static Duration parse(String value) {
            Matcher shortForm = SHORT_FORM.matcher(value);
            if (shortForm.matches()) {
                long amount = Long.parseLong(shortForm.group(1));
                return switch (shortForm.group(2)) {
                    case "ms" -> Duration.ofMillis(amount);
                    case "s" -> Duration.ofSeconds(amount);
                    case "m" -> Duration.ofMinutes(amount);
                    default -> Duration.ofHours(amount);
                };
            }
            try {
                return Duration.parse(value.toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new TypeConversionException("expected a duration such as 90s, 10m or 1h, got '" + value + "'");
            }
        }
    }

    /** An http or https URL, without its trailing slash, so that API paths can be appended to it. */
    static final class ServerUrl implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            URI uri;
            try {
                uri = new URI(value.strip());
            } catch (URISyntaxException e) {
                throw new TypeConversionException("not a URL: '" + value + "'");
            }
            String scheme = String.valueOf(uri.getScheme()).toLowerCase(Locale.ROOT);
            boolean http = scheme.equals("http") || scheme.equals("https");
            if (!http || uri.getHost() == null) {
                throw new TypeConversionException(
                        "expected a URL such as https://asterism.example.org or http://localhost:8080, got '" + value + "'");
            }
            String text = uri.toString();
            while (text.endsWith("/")) {
                text = text.substring(0, text.length() - 1);
            }
            return text;
        }
    }

    /** Reads the lower-case words of a {@link WireNamed} enum, naming the accepted ones when the word is wrong. */
    abstract static class WireNameConverter<E extends Enum<E> & WireNamed> implements ITypeConverter<E> {
        private final Class<E> type;

        WireNameConverter(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String value) {
            try {
                return WireNamed.fromWireName(type, value.strip().toLowerCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class RoleWord extends WireNameConverter<Role> {
        RoleWord() {
            super(Role.class);
        }
    }

    static final class OsFamilyWord extends WireNameConverter<OsFamily> {
        OsFamilyWord() {
            super(OsFamily.class);
        }
    }

    static final class GrantLevelWord extends WireNameConverter<GrantLevel> {
        GrantLevelWord() {
            super(GrantLevel.class);
        }
    }

    static final class CapabilityWord extends WireNameConverter<Capability> {
        CapabilityWord() {
            super(Capability.class);
        }
    }
}
