package dev.asterism.store;

import dev.asterism.core.store.UserRepository;
import dev.asterism.core.user.Role;
import dev.asterism.core.user.User;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

final class JdbcUsers implements UserRepository {
    static final String COLUMNS = "u.id AS user_id, u.username, u.user_role, u.created_at AS user_created_at";
    private final Sql sql;

    JdbcUsers(Sql sql) {
        this.sql = sql;
    }

    static User map(ResultSet row) throws SQLException {
        return new User(row.getLong("user_id"), row.getString("username"), Role.valueOf(row.getString("user_role")),
                Sql.instant(row, "user_created_at"));
    }

    @Override
    public Optional<User> find(String username) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM users u WHERE u.username = ?", JdbcUsers::map, username);
    }

    @Override
    public Optional<User> findById(long id) {
        return sql.queryOne("SELECT " + COLUMNS + " FROM users u WHERE u.id = ?", JdbcUsers::map, id);
    }

    @Override
    public Optional<String> passwordHash(String username) {
        return sql.queryOne("SELECT password_hash FROM users WHERE username = ?", row -> row.getString(1), username);
    }

    @Override
    public User insert(String username, Role role, String passwordHash, Instant now) {
        sql.insertUnique("user", username,
                "INSERT INTO users (username, user_role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                username, role, passwordHash, now);
        return find(username).orElseThrow();
    }

    @Override
    public List<User> list() {
        return sql.query("SELECT " + COLUMNS + " FROM users u ORDER BY u.username", JdbcUsers::map);
    }

    @Override
    public boolean delete(String username) {
        return sql.update("DELETE FROM users WHERE username = ?", username) > 0;
    }
}
