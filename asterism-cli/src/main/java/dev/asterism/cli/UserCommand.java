package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.NewUser;
import dev.asterism.cli.api.Role;
import dev.asterism.cli.api.User;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "user", description = "Manage user accounts (administrators only).")
final class UserCommand extends CommandGroup {

    @Command(name = "list", description = "List the users with their roles and clearances.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/users");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("USERNAME", "ROLE", "CLEARANCE", "CREATED");
        for (User user : json().readList(response, User.class)) {
            table.row(user.username(), user.role(), user.clearance(), user.createdAt());
        }
        table.print(out(), "no users");
    }

    @Command(
            name = "create",
            description = {
                "Create a user.",
                "",
                "The password comes from ASTERISM_NEW_USER_PASSWORD, else from the terminal (typed twice), else "
                        + "from one line of standard input."
            })
    void create(
            @Parameters(paramLabel = "NAME", description = "The new user's name.") String username,
            @Option(
                            names = "--role",
                            required = true,
                            paramLabel = "ROLE",
                            converter = Converters.RoleWord.class,
                            description = "One of: user, admin, super-admin.")
                    Role role) {
        ApiClient api = api();
        String password = new Passwords(root.environment()).forNewUser(username);
        User created = json().read(api.post("/users", new NewUser(username, password, role)), User.class);
        printLine("created user " + created.username() + " (" + created.role() + ")");
    }

    @Command(name = "clearance", description = {
        "Clear a user for a security level (see `asterism level list`).",
        "",
        "A user joins only projects at or below their clearance; without one they are at the lowest level."
    })
    void clearance(
            @Parameters(index = "0", paramLabel = "NAME", description = "The user.") String username,
            @Parameters(index = "1", paramLabel = "LEVEL", description = "The level.") String level) {
        JsonNode response = api().put("/users/" + ApiClient.segment(username) + "/clearance",
                java.util.Map.of("level", level));
        printLine("cleared " + response.path("username").asText() + " for " + response.path("level").asText());
    }

    @Command(name = "delete", description = "Delete a user; their tokens stop working.")
    void delete(@Parameters(paramLabel = "NAME", description = "The user to delete.") String username) {
        api().delete("/users/" + ApiClient.segment(username));
        printLine("deleted user " + username);
    }
}
