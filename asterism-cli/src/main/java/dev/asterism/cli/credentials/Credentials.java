package dev.asterism.cli.credentials;

import static java.util.Objects.requireNonNull;

/**
 * What {@code asterism login} remembers for the other commands.
 *
 * @param server the base URL, without a trailing slash
 * @param token the bearer token's secret
 * @param tokenId the token's id, so that {@code logout} can revoke it
 */
public record Credentials(String server, String username, String token, String tokenId) {

    public Credentials {
        requireNonNull(server, "server is null");
        requireNonNull(username, "username is null");
        requireNonNull(token, "token is null");
        requireNonNull(tokenId, "tokenId is null");
    }

    /** Leaves the secret out, so that no log line or error message can leak it. */
    @Override
    public String toString() {
        return "Credentials[server=" + server + ", username=" + username + ", tokenId=" + tokenId + "]";
    }
}
