package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A computer's name in the domain (its NetBIOS name): 1 to 15 letters, digits and hyphens, not only digits, not
 * starting or ending with a hyphen; kept in upper case, so that {@code worker-1} and {@code WORKER-1} are one
 * computer.
 */
public record ComputerName(String value) {

    private static final Pattern NAME = Pattern.compile("[A-Z0-9]([A-Z0-9-]{0,13}[A-Z0-9])?");

    public ComputerName {
        requireNonNull(value, "value is null");
        value = value.toUpperCase(Locale.ROOT);
        if (!NAME.matcher(value).matches() || value.chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + value + "' is not a computer name: use 1 to 15 letters, digits "
                    + "and inner hyphens, not only digits");
        }
    }

    public static ComputerName of(String value) {
        return new ComputerName(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
