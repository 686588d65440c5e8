package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.credentials.Credentials;
import dev.asterism.cli.tunnel.LocalListener;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "connect", description = {
    "Open a local port to a member's remote desktop (or another of its ports), through the server.",
    "Each connection to it is carried over a WebSocket to the server and over the agent channel to the"
            + " member's agent, which connects to the member's own port. Only the constellation's people may (its"
            + " owner is one; an admin who is not one may not); every tunnel is audited. Sign in with your domain"
            + " account and the password set with `asterism constellation password`. Runs until Ctrl-C."})
final class ConnectCommand extends ApiCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "CONSTELLATION", description = "The constellation.")
    String constellation;

    @Parameters(index = "1", paramLabel = "MEMBER", description = "The member, for example w1.")
    String member;

    @Option(names = "--port", paramLabel = "N", defaultValue = "3389",
            description = "The member's port (default: ${DEFAULT-VALUE}, remote desktop).")
    int port;

    @Option(names = "--local-port", paramLabel = "N",
            description = "The local port to listen on, on 127.0.0.1 (default: the one the server suggests for this"
                    + " member, the same every time; 0 picks a free one).")
    Integer localPort;

    @Option(names = "--rdp-file", paramLabel = "FILE",
            description = "Write an .rdp file that points a remote desktop client at the local port.")
    Path rdpFile;

    private final CountDownLatch stop = new CountDownLatch(1);

    @Override
    public Integer call() throws IOException {
        if (port < 1 || port > 65535) {
            throw new CommandFailure(ExitStatus.USAGE, "--port must be from 1 to 65535, not " + port);
        }
        if (localPort != null && (localPort < 0 || localPort > 65535)) {
            throw new CommandFailure(ExitStatus.USAGE, "--local-port must be from 0 to 65535, not " + localPort);
        }
        Credentials credentials = root.credentials();
        // The same checks as the tunnel itself, with the API's full error messages, before anything listens.
        JsonNode info = api().get("/constellations/" + ApiClient.segment(constellation) + "/members/"
                + ApiClient.segment(member) + "/connect?port=" + port);
        int listenOn = localPort != null ? localPort : info.get("localPort").asInt();
        URI tunnel = URI.create(credentials.server().replaceFirst("^http", "ws") + "/api/v1/constellations/"
                + ApiClient.segment(constellation) + "/members/" + ApiClient.segment(member) + "/tunnel?port=" + port);
        LocalListener listener;
        try {
            listener = new LocalListener(listenOn, tunnel, credentials.token(), this::printLine);
        } catch (IOException taken) {
            throw new CommandFailure(ExitStatus.FAILURE, "cannot listen on 127.0.0.1:" + listenOn + " ("
                    + taken.getMessage() + "): pick another port with --local-port, or 0 for any free one");
        }
        try (listener) {
            String address = "127.0.0.1:" + listener.port();
            if (rdpFile != null) {
                String rdp = info.get("rdpFile").asText().replaceFirst("full address:s:[^\\r\\n]*",
                        "full address:s:" + address);
                Files.writeString(rdpFile, rdp, StandardCharsets.UTF_8);
            }
            printLine("Tunnel to " + constellation + "/" + member + " port " + port + " on " + address
                    + (rdpFile == null ? "" : "; open " + rdpFile + " with a remote desktop client")
                    + ". Ctrl-C stops it.");
            try {
                stop.await();
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        return 0;
    }
}
