package dev.asterism.store;

import dev.asterism.core.store.CredentialRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

final class JdbcCredentials implements CredentialRepository {
    private final Sql sql;

    JdbcCredentials(Sql sql) {
        this.sql = sql;
    }

    @Override
    public void insertToken(String id, long userId, String name, String secretHash, Instant now) {
        sql.update("INSERT INTO api_tokens (id, user_id, token_name, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)",
                id, userId, name, secretHash, now);
    }

    @Override
    public Optional<TokenOwner> findToken(String secretHash) {
        return sql.queryOne("SELECT t.id, t.token_name, t.created_at AS token_created, t.last_used_at, "
                + JdbcUsers.COLUMNS + " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.secret_hash = ?",
                row -> new TokenOwner(new ApiToken(row.getString(1), row.getString(2), Sql.instant(row, "token_created"),
                        Sql.instant(row, "last_used_at")), JdbcUsers.map(row)), secretHash);
    }

    @Override
    public List<ApiToken> tokens(long userId) {
        return sql.query("SELECT id, token_name, created_at, last_used_at FROM api_tokens WHERE user_id = ?"
                        + " ORDER BY created_at, id",
                row -> new ApiToken(row.getString(1), row.getString(2), Sql.instant(row, "created_at"),
                        Sql.instant(row, "last_used_at")), userId);
    }

    @Override
    public boolean deleteToken(String id, long userId) {
        return sql.update("DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, userId) > 0;
    }

    @Override
    public void touchToken(String id, Instant now) {
        sql.update("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", now, id);
    }

    @Override
    public void insertSession(String idHash, long userId, String csrfToken, Instant now, Instant expiresAt) {
        sql.update("INSERT INTO browser_sessions (id_hash, user_id, csrf_token, created_at, expires_at)"
                + " VALUES (?, ?, ?, ?, ?)", idHash, userId, csrfToken, now, expiresAt);
    }

    @Override
    public Optional<SessionOwner> findSession(String idHash, Instant now) {
        return sql.queryOne("SELECT s.csrf_token, s.expires_at, " + JdbcUsers.COLUMNS
                        + " FROM browser_sessions s JOIN users u ON u.id = s.user_id"
                        + " WHERE s.id_hash = ? AND s.expires_at > ?",
                row -> new SessionOwner(JdbcUsers.map(row), row.getString("csrf_token"), Sql.instant(row, "expires_at")),
                idHash, now);
    }

    @Override
    public void deleteSession(String idHash) {
        sql.update("DELETE FROM browser_sessions WHERE id_hash = ?", idHash);
    }

    @Override
    public int deleteExpiredSessions(Instant now) {
        return sql.update("DELETE FROM browser_sessions WHERE expires_at <= ?", now);
    }
}
