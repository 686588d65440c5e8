package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Where passwords come from, never from the command line (it would land in the shell history and in
 * {@code ps}): an environment variable for scripts, else the terminal without echo, else one line of standard
 * input for pipes.
 */
final class Passwords {

    static final String LOGIN_VARIABLE = "ASTERISM_PASSWORD";
    static final String NEW_USER_VARIABLE = "ASTERISM_NEW_USER_PASSWORD";
    static final String DESKTOP_VARIABLE = "ASTERISM_DESKTOP_PASSWORD";

    private final CliEnvironment environment;

    Passwords(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
    }

    /** The password of {@code username} for logging in to {@code server}. */
    String forLogin(String username, String server) {
        String fromVariable = environment.variable(LOGIN_VARIABLE);
        if (fromVariable != null) {
            return fromVariable;
        }
        if (environment.console().isAvailable()) {
            return nonEmpty(environment.console().readPassword("Password for " + username + " at " + server + ": "));
        }
        return nonEmpty(readLine());
    }

    /** The password of a user about to be created; typed twice on a terminal, since nobody can check it later. */
    String forNewUser(String username) {
        String fromVariable = environment.variable(NEW_USER_VARIABLE);
        if (fromVariable != null) {
            return fromVariable;
        }
        if (environment.console().isAvailable()) {
            char[] first = environment.console().readPassword("Password for the new user " + username + ": ");
            char[] second = environment.console().readPassword("Type it again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new CommandFailure(ExitStatus.USAGE, "the two passwords differ; nothing was created");
            }
            return nonEmpty(first);
        }
        return nonEmpty(readLine());
    }

    /** A person's new desktop password in a constellation's domain; typed twice on a terminal. */
    String forDesktop(String constellation) {
        String fromVariable = environment.variable(DESKTOP_VARIABLE);
        if (fromVariable != null) {
            return fromVariable;
        }
        if (environment.console().isAvailable()) {
            char[] first = environment.console().readPassword("New desktop password in " + constellation + ": ");
            char[] second = environment.console().readPassword("Type it again: ");
            if (first == null || second == null || !Arrays.equals(first, second)) {
                throw new CommandFailure(ExitStatus.USAGE, "the two passwords differ; nothing was changed");
            }
            return nonEmpty(first);
        }
        return nonEmpty(readLine());
    }

    private static String nonEmpty(char[] password) {
        if (password == null || password.length == 0) {
            throw new CommandFailure(ExitStatus.USAGE, "no password given");
        }
        return new String(password);
    }

    /** Reads byte by byte so that nothing after the first line is consumed from a shared stream. */
    private char[] readLine() {
        InputStream input = environment.standardInput();
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            int next = input.read();
            if (next < 0) {
                throw new CommandFailure(
                        ExitStatus.USAGE,
                        "no password given: set " + LOGIN_VARIABLE + " (" + NEW_USER_VARIABLE + " for user create, "
                                + DESKTOP_VARIABLE + " for constellation password), run in a terminal, or pipe it"
                                + " on standard input");
            }
            while (next >= 0 && next != '\n') {
                line.write(next);
                next = input.read();
            }
        } catch (IOException e) {
            throw new CommandFailure(ExitStatus.FAILURE, "cannot read the password from standard input: " + e.getMessage());
        }
        String text = line.toString(StandardCharsets.UTF_8);
        if (text.endsWith("\r")) {
            text = text.substring(0, text.length() - 1);
        }
        return text.toCharArray();
    }
}
