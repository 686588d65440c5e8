package dev.asterism.core.project;

/** What a member does in a project: managers add people and manage its constellations as their owners can. */
public enum ProjectRole {
    MANAGER,
    RESEARCHER
}
