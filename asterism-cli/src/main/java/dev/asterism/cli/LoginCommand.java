package dev.asterism.cli;

import dev.asterism.cli.api.CreatedToken;
import dev.asterism.cli.api.TokenRequest;
import dev.asterism.cli.api.UnexpectedResponseException;
import dev.asterism.cli.credentials.Credentials;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "login",
        description = {
            "Log in to an Asterism server: trade your password for an API token and store it for the other commands.",
            "",
            "The password comes from ASTERISM_PASSWORD, else from the terminal without echo, else from one line of "
                    + "standard input. The token is kept in credentials.json in the config directory, readable "
                    + "only by you."
        })
final class LoginCommand extends ApiCommand implements Callable<Integer> {

    @Option(
            names = "--server",
            required = true,
            paramLabel = "URL",
            converter = Converters.ServerUrl.class,
            description = "The server's base URL, such as https://asterism.example.org.")
    String server;

    @Option(names = "--user", required = true, paramLabel = "NAME", description = "Your user name.")
    String username;

    @Option(
            names = "--token-name",
            paramLabel = "NAME",
            description = "A name for the token, shown by `asterism token list`. Default: cli@<this host's name>.")
    String tokenName;

    @Override
    public Integer call() {
        String password = new Passwords(root.environment()).forLogin(username, server);
        String name = tokenName;
        if (name == null || name.isBlank()) {
            name = "cli@" + hostName();
        }
        CreatedToken created = json().read(
                root.anonymousClient(server).post("/auth/tokens", new TokenRequest(username, password, name)),
                CreatedToken.class);
        if (created.token() == null || created.id() == null) {
            throw new UnexpectedResponseException("the new token has no id or no secret");
        }
        root.credentialStore().save(new Credentials(server, username, created.token(), created.id()));
        printLine("logged in to " + server + " as " + username + " (token " + created.name() + ")");
        return ExitStatus.SUCCESS.code();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            // A host without a resolvable name can still log in; the name only labels the token.
            return "unknown-host";
        }
    }
}
