package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Profile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "profile", description = "Manage hardware profiles (vCPUs, memory, disk).")
final class ProfileCommand extends CommandGroup {

    @Command(name = "list", description = "List the hardware profiles.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/profiles");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "VCPUS", "MEMORY MIB", "DISK GIB");
        for (Profile profile : json().readList(response, Profile.class)) {
            table.row(profile.name(), profile.vcpus(), profile.memoryMib(), profile.diskGib());
        }
        table.print(out(), "no profiles");
    }

    @Command(name = "create", description = "Create a hardware profile.")
    void create(
            @Parameters(paramLabel = "NAME", description = "The profile's name, such as small.") String name,
            @Option(
                            names = "--vcpus",
                            required = true,
                            paramLabel = "N",
                            converter = Converters.PositiveNumber.class,
                            description = "Virtual CPUs, at least 1.")
                    long vcpus,
            @Option(
                            names = "--memory-mib",
                            required = true,
                            paramLabel = "N",
                            converter = Converters.PositiveNumber.class,
                            description = "Memory in MiB, at least 1.")
                    long memoryMib,
            @Option(
                            names = "--disk-gib",
                            required = true,
                            paramLabel = "N",
                            converter = Converters.PositiveNumber.class,
                            description = "Disk in GiB, at least 1.")
                    long diskGib) {
        Profile created = json().read(
                api().post("/profiles", new Profile(name, vcpus, memoryMib, diskGib)), Profile.class);
        printLine("created profile " + created.name() + ": " + created.vcpus() + " vCPUs, " + created.memoryMib()
                + " MiB memory, " + created.diskGib() + " GiB disk");
    }

    @Command(name = "delete", description = "Delete a hardware profile.")
    void delete(@Parameters(paramLabel = "NAME", description = "The profile to delete.") String name) {
        api().delete("/profiles/" + ApiClient.segment(name));
        printLine("deleted profile " + name);
    }
}
