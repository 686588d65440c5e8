package dev.asterism.store;

import dev.asterism.core.project.Project;
import dev.asterism.core.project.ProjectMember;
import dev.asterism.core.project.ProjectRole;
import dev.asterism.core.project.ProjectTeam;
import dev.asterism.core.project.Quota;
import dev.asterism.core.project.SecurityLevel;
import dev.asterism.core.store.ProjectRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

final class JdbcProjects implements ProjectRepository {
    private static final String COLUMNS = "name, description, level_name, open_to_all, max_constellations, max_vms,"
            + " max_vcpus, max_memory_gib, max_disk_gib, created_at";
    private static final String MEMBER_COLUMNS = "m.project, u.username, m.project_role"
            + " FROM project_members m JOIN users u ON u.id = m.user_id";
    private final Sql sql;

    JdbcProjects(Sql sql) {
        this.sql = sql;
    }

    @Override
    public List<SecurityLevel> levels() {
        return sql.query("SELECT name, level_rank, description FROM security_levels ORDER BY level_rank",
                row -> new SecurityLevel(row.getString(1), row.getInt(2), row.getString(3)));
    }

    @Override
    public void replaceLevels(List<SecurityLevel> levels) {
        sql.update("DELETE FROM security_levels");
        for (SecurityLevel level : levels) {
            sql.update("INSERT INTO security_levels (name, level_rank, description) VALUES (?, ?, ?)", level.name(),
                    level.rank(), level.description());
        }
    }

    @Override
    public Optional<String> clearance(String username) {
        return sql.queryOne("SELECT c.level_name FROM clearances c JOIN users u ON u.id = c.user_id"
                + " WHERE u.username = ?", row -> row.getString(1), username);
    }

    @Override
    public void putClearance(long userId, String level) {
        if (sql.update("UPDATE clearances SET level_name = ? WHERE user_id = ?", level, userId) == 0) {
            sql.update("INSERT INTO clearances (user_id, level_name) VALUES (?, ?)", userId, level);
        }
    }

    @Override
    public Optional<String> brickLevel(String brick) {
        return sql.queryOne("SELECT level_name FROM brick_levels WHERE brick = ?", row -> row.getString(1), brick);
    }

    @Override
    public void putBrickLevel(String brick, String level) {
        if (sql.update("UPDATE brick_levels SET level_name = ? WHERE brick = ?", level, brick) == 0) {
            sql.update("INSERT INTO brick_levels (brick, level_name) VALUES (?, ?)", brick, level);
        }
    }

    @Override
    public List<String> levelUses(String level) {
        List<String> uses = new ArrayList<>();
        uses.addAll(sql.query("SELECT u.username FROM clearances c JOIN users u ON u.id = c.user_id"
                + " WHERE c.level_name = ? ORDER BY u.username", row -> "user " + row.getString(1), level));
        uses.addAll(sql.query("SELECT brick FROM brick_levels WHERE level_name = ? ORDER BY brick",
                row -> "brick " + row.getString(1), level));
        uses.addAll(sql.query("SELECT name FROM projects WHERE level_name = ? ORDER BY name",
                row -> "project " + row.getString(1), level));
        return uses;
    }

    @Override
    public void insert(Project p) {
        Quota q = p.quota();
        sql.insertUnique("project", p.name(), "INSERT INTO projects (" + COLUMNS + ")"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", p.name(), p.description(), p.level(), p.open(),
                q.constellations(), q.vms(), q.vcpus(), q.memoryGib(), q.diskGib(), p.createdAt());
    }

    @Override
    public Optional<Project> find(String name) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM projects WHERE name = ?", JdbcProjects::map, name);
    }

    @Override
    public Optional<Project> lock(String name) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM projects WHERE name = ? FOR UPDATE", JdbcProjects::map, name);
    }

    @Override
    public List<Project> list() {
        return sql.query("SELECT " + COLUMNS + " FROM projects ORDER BY name", JdbcProjects::map);
    }

    @Override
    public void updateQuota(String name, Quota q) {
        sql.update("UPDATE projects SET max_constellations = ?, max_vms = ?, max_vcpus = ?, max_memory_gib = ?,"
                + " max_disk_gib = ? WHERE name = ?", q.constellations(), q.vms(), q.vcpus(), q.memoryGib(),
                q.diskGib(), name);
    }

    @Override
    public boolean delete(String name) {
        return sql.update("DELETE FROM projects WHERE name = ?", name) > 0;
    }

    @Override
    public void putMember(long userId, ProjectMember member) {
        if (sql.update("UPDATE project_members SET project_role = ? WHERE project = ? AND user_id = ?", member.role(),
                member.project(), userId) == 0) {
            sql.update("INSERT INTO project_members (project, user_id, project_role) VALUES (?, ?, ?)",
                    member.project(), userId, member.role());
        }
    }

    @Override
    public boolean deleteMember(String project, String username) {
        return sql.update("DELETE FROM project_members WHERE project = ? AND user_id ="
                + " (SELECT id FROM users WHERE username = ?)", project, username) > 0;
    }

    @Override
    public Optional<ProjectMember> member(String project, String username) {
        return sql.queryOne("SELECT " + MEMBER_COLUMNS + " WHERE m.project = ? AND u.username = ?",
                JdbcProjects::member, project, username);
    }

    @Override
    public List<ProjectMember> members(String project) {
        return sql.query("SELECT " + MEMBER_COLUMNS + " WHERE m.project = ? ORDER BY u.username",
                JdbcProjects::member, project);
    }

    @Override
    public List<ProjectMember> memberships(String username) {
        return sql.query("SELECT " + MEMBER_COLUMNS + " WHERE u.username = ? ORDER BY m.project",
                JdbcProjects::member, username);
    }

    @Override
    public void putTeam(ProjectTeam team) {
        if (sql.update("UPDATE project_teams SET project_role = ? WHERE project = ? AND team = ?", team.role(),
                team.project(), team.team()) == 0) {
            sql.update("INSERT INTO project_teams (project, team, project_role) VALUES (?, ?, ?)", team.project(),
                    team.team(), team.role());
        }
    }

    @Override
    public boolean deleteTeam(String project, String team) {
        return sql.update("DELETE FROM project_teams WHERE project = ? AND team = ?", project, team) > 0;
    }

    @Override
    public List<ProjectTeam> teams(String project) {
        return sql.query("SELECT project, team, project_role FROM project_teams WHERE project = ? ORDER BY team",
                JdbcProjects::team, project);
    }

    @Override
    public List<ProjectRole> teamRoles(String project, String username) {
        return sql.query("SELECT t.project_role FROM project_teams t JOIN team_members m ON m.team = t.team"
                + " JOIN users u ON u.id = m.user_id WHERE t.project = ? AND u.username = ? ORDER BY t.team",
                row -> ProjectRole.valueOf(row.getString(1)), project, username);
    }

    @Override
    public List<ProjectTeam> projectsOfTeam(String team) {
        return sql.query("SELECT project, team, project_role FROM project_teams WHERE team = ? ORDER BY project",
                JdbcProjects::team, team);
    }

    private static ProjectTeam team(ResultSet row) throws SQLException {
        return new ProjectTeam(row.getString(1), row.getString(2), ProjectRole.valueOf(row.getString(3)));
    }

    private static Project map(ResultSet row) throws SQLException {
        return new Project(row.getString("name"), row.getString("description"), row.getString("level_name"),
                row.getBoolean("open_to_all"), new Quota(integer(row, "max_constellations"), integer(row, "max_vms"),
                        integer(row, "max_vcpus"), integer(row, "max_memory_gib"), integer(row, "max_disk_gib")),
                Sql.instant(row, "created_at"));
    }

    private static Integer integer(ResultSet row, String column) throws SQLException {
        int value = row.getInt(column);
        return row.wasNull() ? null : value;
    }

    private static ProjectMember member(ResultSet row) throws SQLException {
        return new ProjectMember(row.getString(1), row.getString(2), ProjectRole.valueOf(row.getString(3)));
    }
}
