package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

public record ProjectMember(String project, String username, ProjectRole role) {
    public ProjectMember {
        requireNonNull(project, "project is null");
        requireNonNull(username, "username is null");
        requireNonNull(role, "role is null");
    }
}
