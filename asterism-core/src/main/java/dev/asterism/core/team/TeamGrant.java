package dev.asterism.core.team;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.permission.GrantLevel;

/** A grant on a brick to every member of a team. */
public record TeamGrant(String brick, String team, GrantLevel level) {
    public TeamGrant {
        requireNonNull(brick, "brick is null");
        requireNonNull(team, "team is null");
        requireNonNull(level, "level is null");
    }
}
