package dev.asterism.core.validation;

import static dev.asterism.core.error.AsterismException.invalid;

import java.util.regex.Pattern;

/** Input rules shared by the API and the CLI, each failing with a message that names the field and the rule. */
public final class Validate {
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z]([a-z0-9-]{0,61}[a-z0-9])?");
    private static final Pattern USERNAME = Pattern.compile("[a-z][a-z0-9._-]{0,31}");

    private Validate() {}

    /** A name that becomes a host name or part of one: a DNS label of 1 to 63 characters. */
    public static String name(String field, String value) {
        String present = present(field, value);
        if (!DNS_LABEL.matcher(present).matches()) {
            throw invalid(field, "'" + printable(present) + "' is not a valid name: use 1 to 63 lower-case letters,"
                    + " digits and hyphens, starting with a letter and not ending with a hyphen");
        }
        return present;
    }

    public static String username(String field, String value) {
        String present = present(field, value);
        if (!USERNAME.matcher(present).matches()) {
            throw invalid(field, "'" + printable(present) + "' is not a valid user name: use 1 to 32 lower-case"
                    + " letters, digits, '.', '_' and '-', starting with a letter");
        }
        return present;
    }

    public static String newPassword(String field, String value) {
        String present = present(field, value);
        if (present.length() < 10) {
            throw invalid(field, "the password is too short: use at least 10 characters");
        }
        if (present.length() > 256) {
            throw invalid(field, "the password is too long: use at most 256 characters");
        }
        return present;
    }

    /** Free text (descriptions, sources): at most {@code max} characters, no control characters. */
    public static String text(String field, String value, int max) {
        if (value == null) {
            return "";
        }
        if (value.length() > max) {
            throw invalid(field, "is too long: at most " + max + " characters");
        }
        if (value.chars().anyMatch(c -> Character.isISOControl(c) && c != '\t')) {
            throw invalid(field, "must not contain control characters");
        }
        return value;
    }

    public static int range(String field, Integer value, int min, int max) {
        if (value == null) {
            throw invalid(field, "is required");
        }
        if (value < min || value > max) {
            throw invalid(field, value + " is out of range: use a whole number from " + min + " to " + max);
        }
        return value;
    }

    public static String present(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw invalid(field, "is required");
        }
        return value;
    }

    private static String printable(String value) {
        String cut = value.length() > 70 ? value.substring(0, 70) + "…" : value;
        return cut.replaceAll("\\p{Cntrl}", "?");
    }
}
