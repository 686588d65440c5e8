package dev.asterism.cli.api;

import static java.util.Objects.requireNonNull;

/** The body of {@code PUT /bricks/{brick}/grants/{username}}. */
public record GrantChange(GrantLevel level) {

    public GrantChange {
        requireNonNull(level, "level is null");
    }
}
