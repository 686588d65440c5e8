package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.Identity;
import dev.asterism.cli.credentials.Credentials;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "whoami", description = "Show who the server thinks you are, and your role.")
final class WhoamiCommand extends ApiCommand implements Callable<Integer> {

    @Option(names = "--json", description = JSON_DESCRIPTION)
    boolean json;

    @Override
    public Integer call() {
        Credentials credentials = root.credentials();
        JsonNode response = root.client(credentials).get("/auth/whoami");
        if (json) {
            printJson(response);
            return ExitStatus.SUCCESS.code();
        }
        Identity identity = json().read(response, Identity.class);
        Table.fields()
                .row("user", identity.username())
                .row("role", identity.role())
                .row("server", credentials.server())
                .print(out(), "");
        return ExitStatus.SUCCESS.code();
    }
}
