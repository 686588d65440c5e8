package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.Realm;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "realm", description = "Show the realms (places where VMs run, each behind one driver).")
final class RealmCommand extends CommandGroup {

    @Command(name = "list", description = "List the realms and their drivers.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/realms");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "DRIVER", "DESCRIPTION");
        for (Realm realm : json().readList(response, Realm.class)) {
            table.row(realm.name(), realm.driver(), realm.description());
        }
        table.print(out(), "no realms");
    }
}
