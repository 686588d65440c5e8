package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "team",
        description = {
            "Teams: named sets of users (administrators make them and say who is in them).",
            "",
            "A brick grant to a team (`asterism grant set-team`) is a grant to each member, and a team in a project"
                    + " (`asterism project add-team`) brings each member in with the team's role."
        })
final class TeamCommand extends CommandGroup {

    @Command(name = "list", description = "List the teams you are in (administrators: every team).")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/teams");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "DESCRIPTION");
        response.forEach(team -> table.row(team.path("name").asText(), team.path("description").asText()));
        table.print(out(), "no teams");
    }

    @Command(name = "show", description = "Show a team and its members.")
    void show(
            @Parameters(paramLabel = "TEAM", description = "The team.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode team = api().get(path(name));
        if (asJson) {
            printJson(team);
            return;
        }
        List<String> members = new ArrayList<>();
        team.path("members").forEach(member -> members.add(member.asText()));
        Table.fields()
                .row("name", team.path("name").asText())
                .row("description", team.path("description").asText())
                .row("members", members.isEmpty() ? "none" : String.join(", ", members))
                .print(out(), "");
    }

    @Command(name = "create", description = "Create a team (administrators only).")
    void create(
            @Parameters(paramLabel = "TEAM", description = "The team's name.") String name,
            @Option(names = "--description", paramLabel = "TEXT", description = "Who they are.") String description) {
        JsonNode created = api().post("/teams", Map.of("name", name, "description",
                description == null ? "" : description));
        printLine("created team " + created.path("name").asText());
    }

    @Command(name = "add", description = {
        "Add users to a team (administrators only).",
        "",
        "Refused for a user not cleared for the level of a project the team is in."
    })
    void add(
            @Parameters(index = "0", paramLabel = "TEAM", description = "The team.") String name,
            @Parameters(index = "1..*", arity = "1..*", paramLabel = "USER", description = "The users.")
                    List<String> usernames) {
        for (String username : usernames) {
            api().put(path(name) + "/members/" + ApiClient.segment(username), null);
            printLine("added " + username + " to " + name);
        }
    }

    @Command(name = "remove", description = {
        "Take a user out of a team (administrators only).",
        "",
        "Who then takes no part in the team's projects leaves the people of their constellations."
    })
    void remove(
            @Parameters(index = "0", paramLabel = "TEAM", description = "The team.") String name,
            @Parameters(index = "1", paramLabel = "USER", description = "The user.") String username) {
        api().delete(path(name) + "/members/" + ApiClient.segment(username));
        printLine("took " + username + " out of " + name);
    }

    @Command(name = "delete", description = "Delete a team with its grants and its places in projects.")
    void delete(@Parameters(paramLabel = "TEAM", description = "The team.") String name) {
        api().delete(path(name));
        printLine("deleted team " + name);
    }

    private static String path(String name) {
        return "/teams/" + ApiClient.segment(name);
    }
}
