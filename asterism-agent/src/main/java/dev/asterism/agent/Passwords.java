package dev.asterism.agent;

import dev.asterism.spi.guest.Secret;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Makes the passwords that never leave the controlling VM: the domain administrator password and every one-time
 * join password. Each has a character of every class (upper case, lower case, digit, symbol), so that it meets any
 * domain's complexity rules, and uses only symbols that need no quoting in a shell or PowerShell string.
 */
final class Passwords {

    /** The length of a domain administrator password. */
    static final int ADMINISTRATOR_LENGTH = 32;
    /** The length of a one-time join password. */
    static final int ONE_TIME_LENGTH = 28;

    private static final String UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private static final String LOWER = "abcdefghijkmnopqrstuvwxyz";
    private static final String DIGITS = "23456789";
    private static final String SYMBOLS = "-_.+=@%";
    private static final String ALL = UPPER + LOWER + DIGITS + SYMBOLS;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Passwords() {
    }

    /** A new random password of {@code length} characters, at least 4. */
    static Secret generate(int length) {
        if (length < 4) {
            throw new IllegalArgumentException("a password needs at least 4 characters, one of each class");
        }
        List<Character> characters = new ArrayList<>(length);
        characters.add(pick(UPPER));
        characters.add(pick(LOWER));
        characters.add(pick(DIGITS));
        characters.add(pick(SYMBOLS));
        while (characters.size() < length) {
            characters.add(pick(ALL));
        }
        Collections.shuffle(characters, RANDOM);
        StringBuilder password = new StringBuilder(length);
        characters.forEach(password::append);
        return Secret.of(password.toString());
    }

    private static char pick(String alphabet) {
        return alphabet.charAt(RANDOM.nextInt(alphabet.length()));
    }
}
