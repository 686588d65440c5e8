package dev.asterism.core.validation;

import static dev.asterism.core.error.AsterismException.invalid;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How enums appear on the wire: {@code SUPER_ADMIN} is {@code super-admin}. */
public final class WireNames {
    private WireNames() {}

    public static String of(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static <E extends Enum<E>> E parse(String field, String value, Class<E> type) {
        Validate.present(field, value);
        for (E constant : type.getEnumConstants()) {
            if (of(constant).equals(value)) {
                return constant;
            }
        }
        throw invalid(field, "'" + (value.length() > 40 ? value.substring(0, 40) + "…" : value)
                + "' is not one of " + choices(type));
    }

    public static <E extends Enum<E>> String choices(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireNames::of).collect(Collectors.joining(", "));
    }
}
