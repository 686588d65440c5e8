package dev.asterism.cli;

import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.ApiException;
import dev.asterism.cli.api.ServerUnreachableException;
import dev.asterism.cli.credentials.Credentials;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(
        name = "logout",
        description = {
            "Revoke this CLI's token on the server and delete the stored credentials.",
            "",
            "The credentials are deleted even when the server cannot be reached or refuses; a warning then says that "
                    + "the token may still be valid (revoke it later with `asterism token revoke ID`)."
        })
final class LogoutCommand extends ApiCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Credentials credentials = root.credentials();
        try {
            root.client(credentials).delete("/tokens/" + ApiClient.segment(credentials.tokenId()));
        } catch (ServerUnreachableException e) {
            warnNotRevoked(credentials, e.getMessage());
        } catch (ApiException e) {
            warnNotRevoked(credentials, "the server refused: " + e.getMessage());
        }
        root.credentialStore().delete();
        printLine("logged out of " + credentials.server());
        return ExitStatus.SUCCESS.code();
    }

    private void warnNotRevoked(Credentials credentials, String why) {
        err().println("warning: " + why);
        err().println("warning: token " + credentials.tokenId() + " was not revoked on the server; "
                + "the local credentials are deleted anyway");
        err().flush();
    }
}
