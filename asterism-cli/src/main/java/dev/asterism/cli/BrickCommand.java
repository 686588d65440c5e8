package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Brick;
import dev.asterism.cli.api.Capability;
import dev.asterism.cli.api.NewBrick;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "brick", description = "Manage bricks: an image plus a hardware profile, the unit VMs are made of.")
final class BrickCommand extends CommandGroup {

    @Command(name = "list", description = "List the bricks you can see.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/bricks");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "IMAGE", "PROFILE", "OS", "CAPABILITIES");
        for (Brick brick : json().readList(response, Brick.class)) {
            table.row(brick.name(), brick.image(), brick.profile(), brick.osFamily(), brick.capabilities());
        }
        table.print(out(), "no bricks");
    }

    @Command(name = "show", description = "Show one brick.")
    void show(
            @Parameters(paramLabel = "NAME", description = "The brick to show.") String name,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/bricks/" + ApiClient.segment(name));
        if (asJson) {
            printJson(response);
            return;
        }
        Brick brick = json().read(response, Brick.class);
        Table.fields()
                .row("name", brick.name())
                .row("image", brick.image())
                .row("profile", brick.profile())
                .row("os", brick.osFamily())
                .row("capabilities", brick.capabilities())
                .print(out(), "");
    }

    @Command(name = "create", description = "Create a brick.")
    void create(
            @Parameters(paramLabel = "NAME", description = "The brick's name.") String name,
            @Option(names = "--image", required = true, paramLabel = "IMAGE", description = "The image to boot.")
                    String image,
            @Option(
                            names = "--profile",
                            required = true,
                            paramLabel = "PROFILE",
                            description = "The default hardware profile of its VMs.")
                    String profile,
            @Option(
                            names = "--capability",
                            required = true,
                            split = ",",
                            paramLabel = "CAPABILITY",
                            converter = Converters.CapabilityWord.class,
                            description = "controller, worker, or both as controller,worker; may be repeated.")
                    List<Capability> capabilities) {
        // A repeated word would be harmless, but the server need not see it twice.
        List<Capability> distinct = List.copyOf(new LinkedHashSet<>(capabilities));
        Brick created = json().read(
                api().post("/bricks", new NewBrick(name, image, profile, distinct)), Brick.class);
        printLine("created brick " + created.name());
    }

    @Command(name = "delete", description = "Delete a brick.")
    void delete(@Parameters(paramLabel = "NAME", description = "The brick to delete.") String name) {
        api().delete("/bricks/" + ApiClient.segment(name));
        printLine("deleted brick " + name);
    }
}
