package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/** The body of {@code POST /users}. */
public record NewUser(String username, String password, Role role) {

    public NewUser {
        requireNonNull(username, "username is null");
        requireNonNull(password, "password is null");
        requireNonNull(role, "role is null");
    }

    /** Leaves the password out, so that no log line or error message can leak it. */
    @Override
    public String toString() {
        return "NewUser[username=" + username + ", role=" + role + "]";
    }
}
