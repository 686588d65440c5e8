package dev.asterism.core.permission;

import static java.util.Objects.requireNonNull;

public record BrickGrant(String brick, String username, GrantLevel level) {
    public BrickGrant {
        requireNonNull(brick, "brick is null");
        requireNonNull(username, "username is null");
        requireNonNull(level, "level is null");
    }
}
