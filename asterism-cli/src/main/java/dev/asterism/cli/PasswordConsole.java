package dev.asterism.cli;

import java.io.Console;

/** An interactive terminal that can read a password without echoing it. */
public interface PasswordConsole {

    /** False when the CLI runs without a terminal (in a pipe, under a script). */
    boolean isAvailable();

    /**
     * Shows {@code prompt} and reads a line without echo.
     *
     * @return null at end of input
     */
    char[] readPassword(String prompt);

    /** The process's terminal, through {@link System#console()}. */
    static PasswordConsole system() {
        return new PasswordConsole() {
            @Override
            public boolean isAvailable() {
                return System.console() != null;
            }

            @Override
            public char[] readPassword(String prompt) {
                Console console = System.console();
                return console == null ? null : console.readPassword("%s", prompt);
            }
        };
    }
}
