package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * How a script ended.
 *
 * @param exitCode the script's exit code; 0 is success
 * @param output standard output and standard error, interleaved, without leading or trailing white space, and at
 *     most {@link #MAX_OUTPUT_CHARS} characters: when longer, its end is kept
 * @param truncated whether the beginning of the output was cut
 */
public record ScriptResult(int exitCode, String output, boolean truncated) {

    /** The most output a result keeps. */
    public static final int MAX_OUTPUT_CHARS = 16 * 1024;

    public ScriptResult {
        requireNonNull(output, "output is null");
        if (output.length() > MAX_OUTPUT_CHARS) {
            throw new IllegalArgumentException("output longer than " + MAX_OUTPUT_CHARS + " characters; use of()");
        }
    }

    /** A result from a script's raw output: trimmed, and cut to its last {@link #MAX_OUTPUT_CHARS} characters. */
    public static ScriptResult of(int exitCode, String rawOutput) {
        String trimmed = rawOutput.strip();
        if (trimmed.length() <= MAX_OUTPUT_CHARS) {
            return new ScriptResult(exitCode, trimmed, false);
        }
        return new ScriptResult(exitCode, trimmed.substring(trimmed.length() - MAX_OUTPUT_CHARS), true);
    }

    /** Whether the script exited with 0. */
    public boolean succeeded() {
        return exitCode == 0;
    }
}
