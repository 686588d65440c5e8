package dev.asterism.cli;

import dev.asterism.testing.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/**
 * Runs {@code asterism} in-process as a user would, with a chosen environment: the config directory is a test's
 * temporary directory, passwords come from variables, standard input or a scripted terminal, and polling moves a
 * {@link MutableClock} instead of sleeping.
 */
final class CliRunner {

    /** What one run printed and returned. */
    record Result(int exitCode, String out, String err) {}

    private final Map<String, String> variables = new HashMap<>();
    private final Path homeDirectory;
    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private String standardInput = "";
    private PasswordConsole console = new NoTerminal();

    /** A runner whose {@code ASTERISM_CONFIG_DIR} is {@code configDirectory}. */
    CliRunner(Path configDirectory) {
        this.homeDirectory = configDirectory.resolve("home");
        variables.put("ASTERISM_CONFIG_DIR", configDirectory.toString());
    }

    CliRunner withVariable(String name, String value) {
        variables.put(name, value);
        return this;
    }

    CliRunner withoutVariable(String name) {
        variables.remove(name);
        return this;
    }

    CliRunner withStandardInput(String text) {
        standardInput = text;
        return this;
    }

    CliRunner withTerminal(String... typedPasswords) {
        console = new ScriptedTerminal(List.of(typedPasswords));
        return this;
    }

    MutableClock clock() {
        return clock;
    }

    Path homeDirectory() {
        return homeDirectory;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment environment = new CliEnvironment(
                variables,
                homeDirectory,
                new ByteArrayInputStream(standardInput.getBytes(StandardCharsets.UTF_8)),
                console,
                clock,
                clock::advance);
        CommandLine commandLine = Main.newCommandLine(new AsterismCommand(environment), args)
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(args);
        return new Result(exitCode, out.toString(), err.toString());
    }

    /** A process without a terminal, as under a script or in a pipe. */
    private static final class NoTerminal implements PasswordConsole {
        @Override
        public boolean isAvailable() {
            return false;
        }

        @Override
        public char[] readPassword(String prompt) {
            throw new AssertionError("there is no terminal to read from");
        }
    }

    /** A terminal where the user types the given passwords, one per prompt. */
    private static final class ScriptedTerminal implements PasswordConsole {
        private final Deque<String> typed;

        ScriptedTerminal(List<String> typed) {
            this.typed = new ArrayDeque<>(typed);
        }

        @Override
        public boolean isAvailable() {
            return true;
        }

        @Override
        public char[] readPassword(String prompt) {
            String next = typed.poll();
            if (next == null) {
                return null;
            }
            return next.toCharArray();
        }
    }
}
