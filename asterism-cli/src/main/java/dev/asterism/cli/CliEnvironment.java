package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything the CLI takes from the process it runs in. {@link #system()} is the real one; tests build their own,
 * so that they can set environment variables (such as {@code ASTERISM_CONFIG_DIR} and {@code ASTERISM_PASSWORD}),
 * type on standard input and move time, all without touching the test JVM.
 *
 * @param environmentVariables what {@link System#getenv()} would answer
 * @param homeDirectory the user's home, for the default config directory
 * @param standardInput where passwords are read from when there is no terminal
 * @param console the terminal, when there is one
 * @param clock the time source of {@code --wait} progress and timeouts
 * @param sleeper the pause between two polls of {@code --wait}
 */
public record CliEnvironment(
        Map<String, String> environmentVariables,
        Path homeDirectory,
        InputStream standardInput,
        PasswordConsole console,
        Clock clock,
        Sleeper sleeper) {

    public CliEnvironment {
        environmentVariables = Map.copyOf(requireNonNull(environmentVariables, "environmentVariables is null"));
        requireNonNull(homeDirectory, "homeDirectory is null");
        requireNonNull(standardInput, "standardInput is null");
        requireNonNull(console, "console is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(sleeper, "sleeper is null");
    }

    public static CliEnvironment system() {
        return new CliEnvironment(
                System.getenv(),
                dev.asterism.cli.credentials.ConfigDirectory.home(System.getenv(), System.getProperty("user.home")),
                System.in,
                PasswordConsole.system(),
                Clock.systemUTC(),
                Thread::sleep);
    }

    /** The value of an environment variable, or null when it is unset or empty. */
    public String variable(String name) {
        String value = environmentVariables.get(name);
        if (value == null || value.isEmpty()) {
            return null;
        }
        return value;
    }
}
