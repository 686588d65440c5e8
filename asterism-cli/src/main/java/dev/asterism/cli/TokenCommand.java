package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Token;
import dev.asterism.cli.credentials.Credentials;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "token", description = "List and revoke your API tokens.")
final class TokenCommand extends CommandGroup {

    @Command(name = "list", description = "List your API tokens; the one this CLI uses is marked with *.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        Credentials credentials = root.credentials();
        JsonNode response = root.client(credentials).get("/tokens");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("ID", "NAME", "CREATED", "LAST USED", "THIS CLI");
        for (Token token : json().readList(response, Token.class)) {
            String current = token.id().equals(credentials.tokenId()) ? "*" : "";
            table.row(token.id(), token.name(), token.createdAt(), token.lastUsedAt(), current);
        }
        table.print(out(), "no tokens");
    }

    @Command(name = "revoke", description = "Revoke one of your API tokens; it stops working at once.")
    void revoke(@Parameters(paramLabel = "ID", description = "The token's id, from `asterism token list`.") String id) {
        Credentials credentials = root.credentials();
        root.client(credentials).delete("/tokens/" + ApiClient.segment(id));
        printLine("revoked token " + id);
        if (id.equals(credentials.tokenId())) {
            printLine("that was this CLI's token: run `asterism login` to go on");
        }
    }
}
