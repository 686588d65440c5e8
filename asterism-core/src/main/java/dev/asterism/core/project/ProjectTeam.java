package dev.asterism.core.project;

import static java.util.Objects.requireNonNull;

/** A team in a project: each of its members takes part with the team's role. */
public record ProjectTeam(String project, String team, ProjectRole role) {
    public ProjectTeam {
        requireNonNull(project, "project is null");
        requireNonNull(team, "team is null");
        requireNonNull(role, "role is null");
    }
}
