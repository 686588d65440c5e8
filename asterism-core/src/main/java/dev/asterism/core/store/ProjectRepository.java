package dev.asterism.core.store;

import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectMember;
import dev.asterism.core.project.SecurityLevel;
import java.util.List;
import java.util.Optional;

/** Security levels, clearances, brick levels, projects and their members. */
public interface ProjectRepository {
    /** The levels, lowest first. */
    List<SecurityLevel> levels();

    /** Replaces the whole list; ranks are the list's order. */
    void replaceLevels(List<SecurityLevel> levels);

    /** The level a user is cleared for; empty means the lowest. */
    Optional<String> clearance(String username);

    void putClearance(long userId, String level);

    /** The highest level a brick is approved for; empty means the lowest. */
    Optional<String> brickLevel(String brick);

    void putBrickLevel(String brick, String level);

    /** Where a level is in use (clearances, brick approvals, projects), as readable names; empty when nowhere. */
    List<String> levelUses(String level);

    /** @throws dev.asterism.core.error.AsterismException ALREADY_EXISTS when a project has that name */
    void insert(Project project);

    Optional<Project> find(String name);

    /**
     * The project, locked until the transaction ends: requests that count against its quota take the lock first,
     * so that two of them cannot both see room for one.
     */
    Optional<Project> lock(String name);

    List<Project> list();

    void updateQuota(String name, dev.asterism.core.project.Quota quota);

    boolean delete(String name);

    void putMember(long userId, ProjectMember member);

    boolean deleteMember(String project, String username);

    Optional<ProjectMember> member(String project, String username);

    List<ProjectMember> members(String project);

    /** The projects a user is named in. */
    List<ProjectMember> memberships(String username);

    void putTeam(dev.asterism.core.project.ProjectTeam team);

    boolean deleteTeam(String project, String team);

    List<dev.asterism.core.project.ProjectTeam> teams(String project);

    /** The roles a user has in a project through their teams. */
    List<dev.asterism.core.project.ProjectRole> teamRoles(String project, String username);

    /** The projects a team is in. */
    List<dev.asterism.core.project.ProjectTeam> projectsOfTeam(String team);
}
