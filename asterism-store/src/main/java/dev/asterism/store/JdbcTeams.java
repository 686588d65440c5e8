package dev.asterism.store;

import dev.asterism.core.store.TeamRepository;
import dev.asterism.core.team.Team;
import java.util.List;
import java.util.Optional;

final class JdbcTeams implements TeamRepository {
    private final Sql sql;

    JdbcTeams(Sql sql) {
        this.sql = sql;
    }

    @Override
    public void insert(Team team) {
        sql.insertUnique("team", team.name(), "INSERT INTO teams (name, description, created_at) VALUES (?, ?, ?)",
                team.name(), team.description(), team.createdAt());
    }

    @Override
    public Optional<Team> find(String name) {
        return sql.queryOne("SELECT name, description, created_at FROM teams WHERE name = ?",
                row -> new Team(row.getString(1), row.getString(2), Sql.instant(row, "created_at")), name);
    }

    @Override
    public List<Team> list() {
        return sql.query("SELECT name, description, created_at FROM teams ORDER BY name",
                row -> new Team(row.getString(1), row.getString(2), Sql.instant(row, "created_at")));
    }

    @Override
    public boolean delete(String name) {
        return sql.update("DELETE FROM teams WHERE name = ?", name) > 0;
    }

    @Override
    public void putMember(String team, long userId) {
        if (sql.queryOne("SELECT 1 FROM team_members WHERE team = ? AND user_id = ?", row -> 1, team, userId)
                .isEmpty()) {
            sql.update("INSERT INTO team_members (team, user_id) VALUES (?, ?)", team, userId);
        }
    }

    @Override
    public boolean deleteMember(String team, String username) {
        return sql.update("DELETE FROM team_members WHERE team = ? AND user_id ="
                + " (SELECT id FROM users WHERE username = ?)", team, username) > 0;
    }

    @Override
    public List<String> members(String team) {
        return sql.query("SELECT u.username FROM team_members m JOIN users u ON u.id = m.user_id WHERE m.team = ?"
                + " ORDER BY u.username", row -> row.getString(1), team);
    }

    @Override
    public List<String> teamsOf(String username) {
        return sql.query("SELECT m.team FROM team_members m JOIN users u ON u.id = m.user_id WHERE u.username = ?"
                + " ORDER BY m.team", row -> row.getString(1), username);
    }
}
