package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A password, a one-time password or another value that must never reach a log, an audit record or an API
 * response. {@link #toString()} hides it; only {@link #reveal()} gives it, at the one place that hands it to the
 * operating system (a tool's standard input, a process environment), never on a command line.
 *
 * <p>Two secrets are compared with {@link #matches}, in constant time; {@code equals} is identity, so that a
 * secret never ends up as a map key or in a set by accident.
 */
public final class Secret {

    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * Wraps {@code value}.
     *
     * @throws IllegalArgumentException when {@code value} is empty
     */
    public static Secret of(String value) {
        requireNonNull(value, "value is null");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a secret must not be empty");
        }
        return new Secret(value);
    }

    /** The secret itself, for the one call that hands it to the operating system. */
    public String reveal() {
        return value;
    }

    /** Whether {@code other} holds the same value, compared in time independent of where they differ. */
    public boolean matches(Secret other) {
        requireNonNull(other, "other is null");
        return MessageDigest.isEqual(
                value.getBytes(StandardCharsets.UTF_8), other.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "Secret[hidden]";
    }
}
