package dev.asterism.spi.guest;

import java.time.Duration;
import java.util.Map;

/**
 * Runs the steps of an injected script bundle with the guest's own shell ({@code /bin/sh} on Linux, PowerShell on
 * Windows), as root or SYSTEM. A script is not idempotent by itself: the agent records each finished step in its
 * state directory and runs a step again only when it did not record it (after a crash or a reboot mid-step), so
 * scripts are written to be safe to repeat.
 */
public interface Scripts {

    /**
     * Runs {@code script} to its end and returns its exit code and output. A non-zero exit code is a result, not an
     * exception. The script text and {@code secretEnvironment} are never logged; the secrets reach the script only
     * as environment variables, never on a command line.
     *
     * @param name the step's name, for logs and the process title (letters, digits, dots, hyphens, underscores)
     * @param secretEnvironment variables set for the script only
     * @param timeout how long the script may run; then it and its children are killed
     * @throws GuestException {@code TIMEOUT} when the script ran out of time (it has been stopped); {@code INVALID}
     *     for a bad name or an empty script; {@code UNAVAILABLE} when the shell cannot be started
     */
    ScriptResult run(String name, String script, Map<String, Secret> secretEnvironment, Duration timeout);

    /** {@link #run(String, String, Map, Duration)} without secrets. */
    default ScriptResult run(String name, String script, Duration timeout) {
        return run(name, script, Map.of(), timeout);
    }
}
