package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/** The body of {@code POST /auth/tokens}: trades a password for a named API token. */
public record TokenRequest(String username, String password, String name) {

    public TokenRequest {
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(name, "name is null");
    }

    /** Leaves the password out, so that no log line or error message can leak it. */
    @Override
    public String toString() {
        return "TokenRequest[username=" + username + ", name=" + name + "]";
    }
}
