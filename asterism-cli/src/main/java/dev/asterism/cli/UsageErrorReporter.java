package dev.asterism.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Reports a wrong command line in two lines, the problem and where to find help, instead of picocli's default
 * of the whole usage text, which buries the problem.
 */
final class UsageErrorReporter implements IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException exception, String[] args) {
        CommandLine commandLine = exception.getCommandLine();
        PrintWriter err = commandLine.getErr();
        String message = commandLine.getDefaultValueProvider() instanceof ConfigFile config
                ? config.describe(exception) : exception.getMessage();
        err.println("error: " + message);
        if (!UnmatchedArgumentException.printSuggestions(exception, err)) {
            err.println("Run '" + commandLine.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return commandLine.getCommandSpec().exitCodeOnInvalidInput();
    }
}
