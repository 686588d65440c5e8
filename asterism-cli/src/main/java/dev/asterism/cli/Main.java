package dev.asterism.cli;

import picocli.CommandLine;

/** The {@code asterism} program. */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        System.exit(newCommandLine(new AsterismCommand()).execute(args));
    }

    /**
     * The command line with the CLI's error reporting: expected failures become one message and an exit code,
     * never a stack trace. Tests build their command line here too, so that they see what a user sees.
     */
    public static CommandLine newCommandLine(AsterismCommand command) {
        return new CommandLine(command)
                .setExecutionExceptionHandler(new FailureReporter())
                .setParameterExceptionHandler(new UsageErrorReporter());
    }
}
