package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Grant;
import dev.asterism.cli.api.GrantChange;
import dev.asterism.cli.api.GrantLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "grant",
        description = "Manage who may use a brick (start VMs of it) or manage it (change it and its grants).")
final class GrantCommand extends CommandGroup {

    @Command(name = "list", description = "List the grants on a brick.")
    void list(
            @Parameters(paramLabel = "BRICK", description = "The brick.") String brick,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get(grantsPath(brick));
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("USERNAME", "LEVEL");
        for (Grant grant : json().readList(response, Grant.class)) {
            table.row(grant.username(), grant.level());
        }
        table.print(out(), "no grants on " + brick);
    }

    @Command(name = "set", description = "Give a user a level on a brick, replacing any level they had.")
    void set(
            @Parameters(index = "0", paramLabel = "BRICK", description = "The brick.") String brick,
            @Parameters(index = "1", paramLabel = "USER", description = "The user.") String username,
            @Option(
                            names = "--level",
                            required = true,
                            paramLabel = "LEVEL",
                            converter = Converters.GrantLevelWord.class,
                            description = "use or manage.")
                    GrantLevel level) {
        JsonNode response = api().put(grantsPath(brick) + "/" + ApiClient.segment(username), new GrantChange(level));
        Grant grant = json().read(response, Grant.class);
        printLine("granted " + grant.level() + " on " + grant.brick() + " to " + grant.username());
    }

    @Command(name = "revoke", description = "Take away a user's grant on a brick.")
    void revoke(
            @Parameters(index = "0", paramLabel = "BRICK", description = "The brick.") String brick,
            @Parameters(index = "1", paramLabel = "USER", description = "The user.") String username) {
        api().delete(grantsPath(brick) + "/" + ApiClient.segment(username));
        printLine("revoked the grant of " + username + " on " + brick);
    }

    @Command(name = "teams", description = "List the grants on a brick to teams.")
    void teams(
            @Parameters(paramLabel = "BRICK", description = "The brick.") String brick,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/bricks/" + ApiClient.segment(brick) + "/team-grants");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("TEAM", "LEVEL");
        response.forEach(grant -> table.row(grant.path("team").asText(), grant.path("level").asText()));
        table.print(out(), "no team grants on " + brick);
    }

    @Command(name = "set-team", description = "Give every member of a team a level on a brick.")
    void setTeam(
            @Parameters(index = "0", paramLabel = "BRICK", description = "The brick.") String brick,
            @Parameters(index = "1", paramLabel = "TEAM", description = "The team.") String team,
            @Option(
                            names = "--level",
                            required = true,
                            paramLabel = "LEVEL",
                            converter = Converters.GrantLevelWord.class,
                            description = "use or manage.")
                    GrantLevel level) {
        JsonNode grant = api().put("/bricks/" + ApiClient.segment(brick) + "/team-grants/" + ApiClient.segment(team),
                new GrantChange(level));
        printLine("granted " + grant.path("level").asText() + " on " + brick + " to team " + team);
    }

    @Command(name = "revoke-team", description = "Take away a team's grant on a brick.")
    void revokeTeam(
            @Parameters(index = "0", paramLabel = "BRICK", description = "The brick.") String brick,
            @Parameters(index = "1", paramLabel = "TEAM", description = "The team.") String team) {
        api().delete("/bricks/" + ApiClient.segment(brick) + "/team-grants/" + ApiClient.segment(team));
        printLine("revoked the grant of team " + team + " on " + brick);
    }

    private static String grantsPath(String brick) {
        return "/bricks/" + ApiClient.segment(brick) + "/grants";
    }
}
