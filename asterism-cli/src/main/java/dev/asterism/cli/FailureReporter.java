package dev.asterism.cli;

import dev.asterism.cli.api.ApiError;
import dev.asterism.cli.api.ApiException;
import dev.asterism.cli.api.ServerUnreachableException;
import dev.asterism.cli.api.UnexpectedResponseException;
import dev.asterism.cli.credentials.CredentialStoreException;
import dev.asterism.cli.credentials.NotLoggedInException;
import java.io.PrintWriter;
import java.util.concurrent.CancellationException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.ParseResult;

/**
 * Turns what a command threw into a message on standard error and an {@link ExitStatus}. Expected failures get
 * a message a user can act on; anything else is a bug and gets one line, never a stack trace.
 */
final class FailureReporter implements IExecutionExceptionHandler {

    @Override
    public int handleExecutionException(Exception exception, CommandLine commandLine, ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        ExitStatus status = report(exception, err);
        err.flush();
        return status.code();
    }

    static ExitStatus report(Exception exception, PrintWriter err) {
        return switch (exception) {
            case ApiException refused -> {
                printApiError(refused.error(), err);
                yield ExitStatus.FAILURE;
            }
            case ServerUnreachableException unreachable -> {
                err.println(unreachable.getMessage());
                yield ExitStatus.SERVER_UNREACHABLE;
            }
            case NotLoggedInException notLoggedIn -> {
                err.println(notLoggedIn.getMessage());
                yield ExitStatus.NOT_LOGGED_IN;
            }
            case CommandFailure failure -> {
                err.println("error: " + failure.getMessage());
                yield failure.status();
            }
            case UnexpectedResponseException unexpected -> {
                err.println("error: " + unexpected.getMessage());
                yield ExitStatus.FAILURE;
            }
            case CredentialStoreException storeFailure -> {
                err.println("error: " + storeFailure.getMessage());
                yield ExitStatus.FAILURE;
            }
            case CancellationException interrupted -> {
                err.println("error: " + interrupted.getMessage());
                yield ExitStatus.FAILURE;
            }
            default -> {
                err.println("internal error: " + firstLine(exception.toString()));
                yield ExitStatus.INTERNAL_ERROR;
            }
        };
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        if (newline < 0) {
            return text;
        }
        return text.substring(0, newline);
    }

    /** {@code error: <message> (<CODE>)}, then one {@code   field: value} line per detail. */
    static void printApiError(ApiError error, PrintWriter err) {
        err.println("error: " + error.message() + " (" + error.code() + ")");
        error.details().forEach((field, value) -> err.println("  " + field + ": " + value));
    }
}
