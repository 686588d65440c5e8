package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
        name = "level",
        description = {
            "The security levels, an ordered list that administrators define (for example public < internal <"
                    + " restricted < cui).",
            "",
            "Users are cleared for a level (`asterism user clearance`), bricks approved up to one (`asterism brick"
                    + " level`), and each project is at one."
        })
final class LevelCommand extends CommandGroup {

    @Command(name = "list", description = "List the levels, lowest first.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/levels");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("RANK", "NAME", "DESCRIPTION");
        response.forEach(level -> table.row(level.path("rank").asInt(), level.path("name").asText(),
                level.path("description").asText()));
        table.print(out(), "no levels");
    }

    @Command(name = "set", description = {
        "Define the levels, lowest first (administrators only).",
        "",
        "This replaces the whole list: a level that a user, a brick or a project is at cannot be left out. Levels"
                + " that stay keep their descriptions unless --describe gives a new one."
    })
    void set(
            @Parameters(arity = "1..*", paramLabel = "LEVEL", description = "The levels, lowest first.")
                    List<String> names,
            @Option(names = "--describe", paramLabel = "LEVEL=TEXT", description = "What a level means; may be"
                    + " repeated.") Map<String, String> descriptions) {
        Map<String, String> kept = new HashMap<>();
        api().get("/levels").forEach(level -> kept.put(level.path("name").asText(),
                level.path("description").asText()));
        if (descriptions != null) {
            kept.putAll(descriptions);
        }
        List<Map<String, String>> levels = new ArrayList<>();
        for (String name : names) {
            Map<String, String> level = new LinkedHashMap<>();
            level.put("name", name);
            level.put("description", kept.getOrDefault(name, ""));
            levels.add(level);
        }
        JsonNode response = api().put("/levels", Map.of("levels", levels));
        List<String> set = new ArrayList<>();
        response.forEach(level -> set.add(level.path("name").asText()));
        printLine("levels: " + String.join(" < ", set));
    }
}
