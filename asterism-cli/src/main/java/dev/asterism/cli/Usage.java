package dev.asterism.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Usage errors found after parsing, reported like picocli's own (exit 2). */
final class Usage {

    private Usage() {}

    /** For a command group run without one of its subcommands, such as a bare {@code asterism vm}. */
    static ParameterException missingSubcommand(CommandSpec group) {
        return new ParameterException(
                group.commandLine(),
                "Missing a command: choose one of " + String.join(", ", group.subcommands().keySet()));
    }

    /** For a value that only turns out wrong while the command runs, such as two passwords that differ. */
    static ParameterException error(CommandSpec anyCommandOfTheRun, String message) {
        return new ParameterException(executingCommand(anyCommandOfTheRun), message);
    }

    /**
     * The deepest command of the current run: for a subcommand written as a method, its class's spec is the
     * group's, yet the usage hint should name the subcommand itself.
     */
    private static CommandLine executingCommand(CommandSpec anyCommandOfTheRun) {
        ParseResult parsed = anyCommandOfTheRun.root().commandLine().getParseResult();
        if (parsed == null) {
            return anyCommandOfTheRun.commandLine();
        }
        while (parsed.hasSubcommand()) {
            parsed = parsed.subcommand();
        }
        return parsed.commandSpec().commandLine();
    }
}
