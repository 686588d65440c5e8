package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.ApiException;
import dev.asterism.cli.api.Brick;
import dev.asterism.cli.api.Capability;
import dev.asterism.cli.api.NewBrick;
import dev.asterism.realm.qemu.BrickBuildException;
import dev.asterism.realm.qemu.BrickCache;
import dev.asterism.realm.qemu.DebianBrickBuilder;
import java.util.LinkedHashSet;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "brick", description = "Manage bricks: an image plus a hardware profile, the unit VMs are made of.")
final class BrickCommand extends CommandGroup {

    @Command(name = "build", description = {
        "Build a brick's disk: for linux, a Debian bookworm image made with debootstrap. It holds minbase with"
                + " systemd, the guest's kernel and initrd, qemu-guest-agent, WireGuard, Samba AD, adcli, Kerberos,"
                + " smbclient, nftables, sssd, xrdp with xorgxrdp and an xfce4 desktop, a Java runtime made with jlink"
                + " and the agent, started at boot; nothing in it calls out.",
        "Cached by the hash of its inputs: building again returns the same directory at once. Needs root and a"
                + " Debian mirror, and installs debootstrap with apt-get when it is missing; about a minute and a"
                + " half (most of it dpkg), plus the downloads.",
        "The qemu and libvirt realms boot it: `asterism server --realm qemu|libvirt --qemu-brick DIR`. A catalog"
                + " image whose source is a brick directory makes its VMs boot that brick. See also `brick prune`."})
    void build(
            @Parameters(paramLabel = "OS", description = "linux (windows bricks are made by hand: docs/windows.md)")
                    String os,
            @Option(names = "--out", paramLabel = "DIR", defaultValue = "/var/cache/asterism/bricks",
                    description = "Where built bricks are kept (default: ${DEFAULT-VALUE}).") java.nio.file.Path out,
            @Option(names = "--mirror", paramLabel = "URL", defaultValue = DebianBrickBuilder.DEFAULT_MIRROR,
                    description = "The Debian mirror (default: ${DEFAULT-VALUE}).") String mirror,
            @Option(names = "--agent-jar", paramLabel = "JAR",
                    description = "The agent to put in (default: asterism-agent/target/asterism-agent.jar of this"
                            + " checkout).") java.nio.file.Path agentJar,
            @Option(names = "--register", description = "Then register it on the logged-in server: image"
                    + " 'bookworm' and bricks 'qemu-controller' and 'qemu-worker'.") boolean register) {
        if (!os.equals("linux")) {
            throw new CommandFailure(ExitStatus.USAGE, "only linux bricks are built here, not '" + os
                    + "': see docs/windows.md for a Windows brick");
        }
        java.nio.file.Path jar = agentJar != null ? agentJar : defaultAgentJar();
        long started = System.nanoTime();
        DebianBrickBuilder.Brick brick;
        try {
            brick = new DebianBrickBuilder(new DebianBrickBuilder.Settings(out.toAbsolutePath(), jar.toAbsolutePath(),
                    java.nio.file.Path.of(System.getProperty("java.home")), mirror),
                    line -> printLine(String.format("[%5.1f s] %s", (System.nanoTime() - started) / 1e9, line)))
                    .build();
        } catch (BrickBuildException e) {
            throw new CommandFailure(ExitStatus.FAILURE, e.getMessage());
        }
        printLine("brick " + brick.directory());
        printLine("run VMs of it with: asterism server --realm qemu --qemu-brick " + brick.directory());
        if (register) {
            registerBrick(brick);
        }
    }

    private void registerBrick(DebianBrickBuilder.Brick brick) {
        createUnlessPresent("image bookworm", "/images", java.util.Map.of("name", "bookworm", "osFamily", "linux",
                "source", brick.directory().toString(), "description", "Debian bookworm brick " + brick.key()));
        createUnlessPresent("brick qemu-controller", "/bricks", java.util.Map.of("name", "qemu-controller",
                "image", "bookworm", "profile", "small", "capabilities", List.of("controller")));
        createUnlessPresent("brick qemu-worker", "/bricks", java.util.Map.of("name", "qemu-worker",
                "image", "bookworm", "profile", "small", "capabilities", List.of("worker")));
    }

    private void createUnlessPresent(String what, String path, Object body) {
        try {
            api().post(path, body);
            printLine("registered " + what);
        } catch (ApiException refused) {
            if (refused.error().status() != 409) {
                throw refused;
            }
            printLine(what + " exists already");
        }
    }

    @Command(name = "prune", description = {
        "Delete old built bricks from the cache (each is about a gigabyte; every agent change makes a new one).",
        "Keeps the --keep newest, and any brick something needs: a file of it open in a process (a running"
                + " QEMU), or a qcow2 disk backed by it in the places given with --look-in (VMs' overlays, running or not)."})
    void prune(
            @Option(names = "--cache", paramLabel = "DIR", defaultValue = "/var/cache/asterism/bricks",
                    description = "The brick cache (default: ${DEFAULT-VALUE}).") java.nio.file.Path cache,
            @Option(names = "--keep", paramLabel = "N", defaultValue = "2",
                    description = "How many of the newest bricks to keep whatever happens (default: ${DEFAULT-VALUE}).")
                    int keep,
            @Option(names = "--look-in", paramLabel = "DIR", split = ",",
                    defaultValue = "/var/lib/libvirt/images,.asterism/qemu",
                    description = "Where VMs' disks live, searched two levels deep for disks backed by a brick"
                            + " (default: ${DEFAULT-VALUE}: libvirt's pools and the qemu realm under the default"
                            + " data directory; add each server's DATA/qemu).") List<java.nio.file.Path> lookIn,
            @Option(names = "--dry-run", description = "Only say what would be deleted.") boolean dryRun) {
        if (keep < 0) {
            throw new CommandFailure(ExitStatus.USAGE, "--keep must be 0 or more, not " + keep);
        }
        List<BrickCache.Decision> decisions;
        try {
            decisions = new BrickCache(cache).prune(keep, lookIn.stream().map(java.nio.file.Path::toAbsolutePath)
                    .toList(), dryRun);
        } catch (java.io.IOException | IllegalStateException e) {
            throw new CommandFailure(ExitStatus.FAILURE, "cannot prune " + cache + ": " + e.getMessage());
        }
        Table table = Table.withHeaders("BRICK", "BUILT", "SIZE", dryRun ? "WOULD" : "DONE", "WHY");
        long freed = 0;
        for (BrickCache.Decision decision : decisions) {
            if (decision.delete()) {
                freed += decision.entry().bytes();
            }
            table.row(decision.entry().brick().key(), decision.entry().built().toString().substring(0, 19),
                    (decision.entry().bytes() >> 20) + " MiB", decision.delete() ? "delete" : "keep",
                    decision.reason());
        }
        table.print(out(), "no bricks in " + cache);
        printLine((dryRun ? "would free " : "freed ") + "up to " + (freed >> 20) + " MiB (apparent sizes; disks are"
                + " sparse)");
    }

    /** The agent jar of this checkout: beside the CLI's own jar, {@code asterism-agent/target/asterism-agent.jar}. */
    private static java.nio.file.Path defaultAgentJar() {
        try {
            java.nio.file.Path cliJar = java.nio.file.Path.of(BrickCommand.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            java.nio.file.Path candidate = cliJar.getParent().getParent().getParent()
                    .resolve("asterism-agent/target/asterism-agent.jar");
            if (java.nio.file.Files.isRegularFile(candidate)) {
                return candidate;
            }
            throw new CommandFailure(ExitStatus.FAILURE, "no agent jar at " + candidate + ": build it with `mvn -pl"
                    + " asterism-agent -am package -DskipTests`, or give --agent-jar");
        } catch (java.net.URISyntaxException e) {
            throw new CommandFailure(ExitStatus.FAILURE, "cannot find this program's jar: give --agent-jar");
        }
    }

    @Command(name = "list", description = "List the bricks you can see.")
    void list(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/bricks");
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("NAME", "IMAGE", "PROFILE", "OS", "CAPABILITIES", "LEVEL");
        for (Brick brick : json().readList(response, Brick.class)) {
            table.row(brick.name(), brick.image(), brick.profile(), brick.osFamily(), brick.capabilities(),
                    brick.level());
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
                .row("level", brick.level())
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

    @Command(name = "level", description = {
        "Approve a brick up to a security level (administrators only).",
        "",
        "Constellations and VMs of a project use only bricks approved at or above the project's level."
    })
    void level(
            @Parameters(index = "0", paramLabel = "NAME", description = "The brick.") String name,
            @Parameters(index = "1", paramLabel = "LEVEL", description = "The highest level it is approved for.")
                    String level) {
        JsonNode response = api().put("/bricks/" + ApiClient.segment(name) + "/level", java.util.Map.of("level",
                level));
        printLine("brick " + response.path("brick").asText() + " is approved up to " + response.path("level").asText());
    }

    @Command(name = "delete", description = "Delete a brick.")
    void delete(@Parameters(paramLabel = "NAME", description = "The brick to delete.") String name) {
        api().delete("/bricks/" + ApiClient.segment(name));
        printLine("deleted brick " + name);
    }
}
