package dev.asterism.cli;

import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.ServerStartException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "server", description = {
    "Run the Asterism server until Ctrl-C (SIGINT or SIGTERM).",
    "The first start creates the super-admin 'admin' with the password in --admin-password-file or"
            + " ASTERISM_ADMIN_PASSWORD, or a generated one printed once. Use `asterism demo` for a server with a"
            + " sample catalog.",
    "Every option may come from a configuration file instead (--config FILE); the command line overrides it."})
final class ServerCommand extends ApiCommand implements Callable<Integer> {
    @Mixin
    ServerOptions options;

    @Override
    public Integer call() {
        ServerConfig config = options.toConfig(root.environment(), false, "sim");
        AsterismServer server = startServer(config);
        printStarted(server, out());
        out().println("Press Ctrl-C to stop.");
        out().flush();
        return runUntilStopped(server);
    }

    static AsterismServer startServer(ServerConfig config) {
        try {
            return AsterismServer.start(config);
        } catch (ServerStartException e) {
            throw new CommandFailure(ExitStatus.FAILURE, e.getMessage());
        }
    }

    static void printStarted(AsterismServer server, PrintWriter out) {
        ServerConfig config = server.config();
        out.println("Asterism server running at " + server.url());
        out.println("  data:  " + (config.databaseUrl() == null ? "H2 database in " + config.dataDirectory()
                : config.databaseUrl().replaceAll("\\?.*", "")));
        out.println("  realm: " + config.realm() + (config.realm().equals("sim")
                ? " (simulated in this server's process and kept in the data directory: nothing really runs)" : ""));
        server.generatedAdminPassword().ifPresentOrElse(
                password -> out.println("  admin: user 'admin', password " + password
                        + "  (shown once: keep it; set ASTERISM_ADMIN_PASSWORD to choose it)"),
                () -> out.println(config.adminPassword() != null
                        ? "  admin: user 'admin', password from --admin-password-file or ASTERISM_ADMIN_PASSWORD if"
                                + " this start created it, else as set before"
                        : "  admin: user 'admin' (password as set when this data directory was created)"));
    }

    /** Blocks until the process is asked to stop, then closes the server cleanly. */
    static int runUntilStopped(AsterismServer server) {
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "asterism-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return ExitStatus.SUCCESS.code();
    }
}
