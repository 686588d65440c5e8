package dev.asterism.core.team;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/** A named set of users: brick grants and places in projects go to a team as they go to a user. */
public record Team(String name, String description, Instant createdAt) {
    public Team {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(createdAt, "createdAt is null");
    }
}
