package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Json;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * What every {@code asterism} subcommand needs: the shared state held by {@link AsterismCommand} and the output
 * streams of its command line (which tests replace). Picocli creates subcommands itself and injects both fields
 * before the command runs, so they cannot come through a constructor.
 */
abstract class ApiCommand {

    static final String JSON_DESCRIPTION = "Print the server's JSON response instead of a table.";

    @ParentCommand
    AsterismCommand root;

    @Spec
    CommandSpec spec;

    final ApiClient api() {
        return root.client();
    }

    final Json json() {
        return root.json();
    }

    final PrintWriter out() {
        return spec.commandLine().getOut();
    }

    final PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** Prints a response as indented JSON, for {@code --json}. */
    final void printJson(JsonNode response) {
        out().println(json().pretty(response));
        out().flush();
    }

    final void printLine(String line) {
        out().println(line);
        out().flush();
    }
}
