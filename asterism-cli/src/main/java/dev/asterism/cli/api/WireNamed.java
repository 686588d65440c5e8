package dev.asterism.cli.api;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An enum whose constants travel over the API and the command line as lower-case words ({@code super-admin},
 * {@code windows}) rather than as Java constant names.
 */
public interface WireNamed {

    /** The word used in JSON and on the command line. */
    String wireName();

    /**
     * Finds the constant whose {@link #wireName()} is {@code word}.
     *
     * @throws IllegalArgumentException naming the accepted words, when none matches
     */
    static <E extends Enum<E> & WireNamed> E fromWireName(Class<E> type, String word) {
        for (E constant : type.getEnumConstants()) {
            if (constant.wireName().equals(word)) {
                return constant;
            }
        }
        throw new IllegalArgumentException("expected one of " + acceptedWords(type) + ", got '" + word + "'");
    }

    /** The accepted words, comma-separated, for help texts and error messages. */
    static <E extends Enum<E> & WireNamed> String acceptedWords(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireNamed::wireName).collect(Collectors.joining(", "));
    }
}
