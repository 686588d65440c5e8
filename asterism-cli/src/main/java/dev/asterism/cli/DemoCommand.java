package dev.asterism.cli;

import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "demo", description = {
    "Run a server on the embedded defaults with a sample catalog, and print what to try next.",
    "Data stays in --data (default ./.asterism): a second run keeps what is there.",
    "The catalog: realm sim; profiles small and medium; images linux and windows;"
            + " bricks controller (capability controller) and worker (capability worker)."})
final class DemoCommand extends ApiCommand implements Callable<Integer> {
    @Mixin
    ServerOptions options;

    @Option(names = "--no-constellation",
            description = "On the netns realm, start the server without making the demo constellation.")
    boolean noConstellation;

    @Override
    public Integer call() {
        PrintWriter out = out();
        String realm = options.realm;
        if (realm == null) {
            Optional<String> unavailable = NetnsDemo.unavailableBecause(out);
            realm = unavailable.isEmpty() ? "netns" : "sim";
            unavailable.ifPresent(reason -> out.println("(The netns realm of real Linux guests is not used: " + reason
                    + ".)"));
        }
        ServerConfig config = options.toConfig(root.environment(), true, realm);
        AsterismServer server = ServerCommand.startServer(config);
        out.println("*** DEMO on the " + config.realm() + " realm: " + switch (config.realm()) {
            case "sim" -> "the VMs are simulated.";
            case "netns" -> "real Linux guests (Samba AD, WireGuard, nftables) in network namespaces of this machine,"
                    + " prefix " + config.netnsPrefix() + ".";
            case "qemu" -> "real VMs as QEMU processes on this machine, booting " + config.qemuBrick() + ".";
            default -> "real VMs as libvirt domains on " + config.libvirtHosts().size() + " host(s), booting "
                    + config.qemuBrick() + ".";
        } + " ***");
        ServerCommand.printStarted(server, out);
        String password = server.generatedAdminPassword().orElse("<the admin password>");
        out.println();
        out.println("Next, in another terminal (from this directory):");
        out.println("  ASTERISM_PASSWORD='" + password + "' ./asterism login --server " + server.url() + " --user admin");
        out.println("  ./asterism brick list");
        out.println("  ./asterism vm start --brick worker --name w1 --wait");
        out.println("  ./asterism vm list");
        out.println("  ./asterism vm stop w1 --wait");
        out.println("  ./asterism vm destroy w1 --wait");
        out.println("  ./asterism audit verify");
        out.println("  ./asterism constellation create --brick controller --name c7");
        out.println("  ./asterism constellation add c7 --brick worker --count 2");
        out.println("  ./asterism constellation watch c7");
        out.println("  ./asterism connect c7 w1 --rdp-file c7-w1.rdp");
        out.println("Panel: " + server.url() + "/ui  (sign in as admin)");
        out.println("API: " + server.url() + "/api/v1/openapi.json   health: " + server.url()
                + "/healthz   metrics: " + server.url() + "/metrics");
        out.println("Press Ctrl-C to stop.");
        out.flush();
        if (config.realm().equals("netns") && !noConstellation) {
            NetnsDemo.start(server, server.generatedAdminPassword().or(() -> Optional.ofNullable(config.adminPassword())),
                    out);
        }
        return ServerCommand.runUntilStopped(server);
    }
}
