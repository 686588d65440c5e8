package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * A group's agreement: a security level, a quota and its members. Constellations and plain VMs belong to one.
 *
 * @param open every user cleared for the level takes part as a researcher without being named (the project
 *     {@value #DEFAULT}, where what names no project goes, is open)
 */
public record Project(String name, String description, String level, boolean open, Quota quota, Instant createdAt) {
    public static final String DEFAULT = "default";

    public Project {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(level, "level is null");
        requireNonNull(quota, "quota is null");
        requireNonNull(createdAt, "createdAt is null");
    }

    public Project withQuota(Quota newQuota) {
        return new Project(name, description, level, open, newQuota, createdAt);
    }
}
