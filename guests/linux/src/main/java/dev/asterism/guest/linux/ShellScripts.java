package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.ScriptResult;
import dev.asterism.spi.guest.Scripts;
import dev.asterism.spi.guest.Secret;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Runs a step's script with {@code /bin/sh} as root, the text on its standard input (never on a command line) and
 * the secrets in its environment, under {@code timeout}, which stops the script's whole process group at the
 * deadline. Standard error is merged into the output.
 */
final class ShellScripts implements Scripts {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final int TIMED_OUT = 124;

    private final HostCommands commands;

    ShellScripts(HostCommands commands) {
        this.commands = requireNonNull(commands, "commands is null");
    }

    @Override
    public ScriptResult run(String name, String script, Map<String, Secret> secretEnvironment, Duration timeout) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new GuestException(Code.INVALID, "a step name is 1 to 64 letters, digits, dots, hyphens and underscores");
        }
        if (script == null || script.isBlank()) {
            throw new GuestException(Code.INVALID, "step " + name + " has an empty script");
        }
        Map<String, String> environment = new LinkedHashMap<>();
        secretEnvironment.forEach((key, secret) -> environment.put(key, secret.reveal()));
        long seconds = Math.max(1, timeout.toSeconds());
        HostCommands.Result result = commands.run(List.of("sh", "-c", "exec 2>&1; exec timeout -k 5 \"$1\" sh -s",
                "asterism-step-" + name, Long.toString(seconds)), script.getBytes(StandardCharsets.UTF_8), environment,
                timeout.plusSeconds(10));
        if (result.exitCode() == TIMED_OUT) {
            throw new GuestException(Code.TIMEOUT, "step " + name + " did not finish within " + seconds
                    + " s and was stopped");
        }
        return ScriptResult.of(result.exitCode(), result.output());
    }
}
