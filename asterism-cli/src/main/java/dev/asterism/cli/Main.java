package dev.asterism.cli;

import picocli.CommandLine;

/** The {@code asterism} program. */
public final class Main {
    /**
     * The CLI, the demo and the sim realm's in-process agents speak for themselves; their libraries' and agents'
     * INFO lines would drown that. Held in a field: java.util.logging keeps loggers only weakly.
     */
    private static final java.util.logging.Logger ASTERISM_LOGS = java.util.logging.Logger.getLogger("dev.asterism");

    private Main() {}

    public static void main(String[] args) {
        ASTERISM_LOGS.setLevel(java.util.logging.Level.WARNING);
        System.exit(newCommandLine(new AsterismCommand(), args).execute(args));
    }

    /**
     * The command line with the CLI's error reporting: expected failures become one message and an exit code,
     * never a stack trace; the server's options from the configuration file that {@code args} name with
     * {@code --config}, if any. Tests build their command line here too, so that they see what a user sees.
     */
    public static CommandLine newCommandLine(AsterismCommand command, String[] args) {
        CommandLine commandLine = new CommandLine(command)
                .setExecutionExceptionHandler(new FailureReporter())
                .setParameterExceptionHandler(new UsageErrorReporter());
        ConfigFile.fromArguments(args).ifPresent(config -> config.install(commandLine));
        return commandLine;
    }
}
