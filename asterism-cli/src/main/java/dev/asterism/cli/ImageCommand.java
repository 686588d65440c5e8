package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Image;
import dev.asterism.cli.api.OsFamily;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "image", description = "Manage boot images (each with the Asterism agent inside).")
final class ImageCommand extends CommandGroup {

    @Command(name = "list", description = "List the images.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/images");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "OS", "SOURCE", "DESCRIPTION");
        for (Image image : json().readList(response, Image.class)) {
            table.row(image.name(), image.osFamily(), image.source(), image.description());
        }
        table.print(out(), "no images");
    }

    @Command(name = "create", description = "Register an image.")
    void create(
            @Parameters(paramLabel = "NAME", description = "The image's name.") String name,
            @Option(
                            names = "--os",
                            required = true,
                            paramLabel = "FAMILY",
                            converter = Converters.OsFamilyWord.class,
                            description = "linux or windows.")
                    OsFamily osFamily,
            @Option(
                            names = "--source",
                            required = true,
                            paramLabel = "SOURCE",
                            description = "Where the realm finds the image: a path, a URL or a template name.")
                    String source,
            @Option(names = "--description", paramLabel = "TEXT", description = "What the image is for.")
                    String description) {
        Image created = json().read(
                api().post("/images", new Image(name, osFamily, source, description)), Image.class);
        printLine("created image " + created.name() + " (" + created.osFamily() + ")");
    }

    @Command(name = "delete", description = "Delete an image.")
    void delete(@Parameters(paramLabel = "NAME", description = "The image to delete.") String name) {
        api().delete("/images/" + ApiClient.segment(name));
        printLine("deleted image " + name);
    }
}
