package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.Json;
import dev.asterism.cli.credentials.ConfigDirectory;
import dev.asterism.cli.credentials.CredentialStore;
import dev.asterism.cli.credentials.Credentials;
import dev.asterism.cli.credentials.NotLoggedInException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code asterism} command. Its subcommands are listed here and nowhere else.
 *
 * <p>It also holds what all subcommands share: the {@link CliEnvironment}, the JSON configuration, the
 * credentials file and the HTTP client. Picocli creates the subcommands itself, so they reach these through
 * their {@code @ParentCommand} field rather than through a constructor.
 */
@Command(
        name = "asterism",
        // INHERIT gives every subcommand --help and --version without repeating it on each.
        scope = ScopeType.INHERIT,
        mixinStandardHelpOptions = true,
        version = "0.1.0",
        // Options in the order they are declared, which puts the important ones first.
        sortOptions = false,
        description = {
            "Create and run constellations of virtual machines on an Asterism server.",
            "",
            "Start with `asterism login --server URL --user NAME`; the other commands use the token it stores.",
            "",
            "Exit codes: 0 success; 1 the server refused, or the VM waited for failed; 2 wrong command line; "
                    + "3 server unreachable; 4 not logged in; 5 --wait timed out; 70 internal error.",
            "",
            "Environment: ASTERISM_CONFIG_DIR, the directory of credentials.json (default "
                    + "$XDG_CONFIG_HOME/asterism, else ~/.config/asterism); ASTERISM_PASSWORD, the password for "
                    + "login; ASTERISM_NEW_USER_PASSWORD, the password for user create.",
            ""
        },
        subcommands = {
            LoginCommand.class,
            LogoutCommand.class,
            WhoamiCommand.class,
            TokenCommand.class,
            UserCommand.class,
            RealmCommand.class,
            ProfileCommand.class,
            ImageCommand.class,
            BrickCommand.class,
            GrantCommand.class,
            LevelCommand.class,
            ProjectCommand.class,
            TeamCommand.class,
            VmCommand.class,
            ConstellationCommand.class,
            ConnectCommand.class,
            AuditCommand.class,
            ServerCommand.class,
            DemoCommand.class,
            BenchCommand.class,
        })
public final class AsterismCommand implements Runnable {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private final CliEnvironment environment;
    private final Json json = new Json();
    private final CredentialStore credentialStore;
    private HttpClient http;

    @Spec
    CommandSpec spec;

    /** The command as a user runs it, in the real process environment. */
    public AsterismCommand() {
        this(CliEnvironment.system());
    }

    /** The command in a given environment; tests use it to choose the config directory, the password and time. */
    public AsterismCommand(CliEnvironment environment) {
        this.environment = requireNonNull(environment, "environment is null");
        this.credentialStore = new CredentialStore(
                ConfigDirectory.resolve(environment.environmentVariables(), environment.homeDirectory()));
    }

    @Override
    public void run() {
        throw Usage.missingSubcommand(spec);
    }

    CliEnvironment environment() {
        return environment;
    }

    Json json() {
        return json;
    }

    CredentialStore credentialStore() {
        return credentialStore;
    }

    /** The stored credentials, or a {@link NotLoggedInException}. */
    Credentials credentials() {
        return credentialStore.load().orElseThrow(NotLoggedInException::new);
    }

    /** A client for the logged-in server, sending the stored token. */
    ApiClient client() {
        return client(credentials());
    }

    ApiClient client(Credentials credentials) {
        return new ApiClient(httpClient(), credentials.server(), Optional.of(credentials.token()), json);
    }

    /** A client without a token, for logging in. */
    ApiClient anonymousClient(String server) {
        return new ApiClient(httpClient(), server, Optional.empty(), json);
    }

    private HttpClient httpClient() {
        if (http == null) {
            http = HttpClient.newBuilder()
                    .connectTimeout(CONNECT_TIMEOUT)
                    .followRedirects(HttpClient.Redirect.NORMAL)
                    .build();
        }
        return http;
    }
}
