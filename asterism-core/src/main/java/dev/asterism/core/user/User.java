package dev.asterism.core.user;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

public record User(long id, String username, Role role, Instant createdAt) {
    public User {
        requireNonNull(username, "username is null");
        requireNonNull(role, "role is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
