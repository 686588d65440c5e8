package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

/** One step of the administrators' ordered list of security levels; rank 0 is the lowest. */
public record SecurityLevel(String name, int rank, String description) {
    public SecurityLevel {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
    }
}
