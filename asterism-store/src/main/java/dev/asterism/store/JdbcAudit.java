package dev.asterism.store;

import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.store.AuditRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class JdbcAudit implements AuditRepository {
    private final Sql sql;

    JdbcAudit(Sql sql) {
        this.sql = sql;
    }

    @Override
    public AuditEvent append(String actor, String action, String target, Map<String, String> details, Instant time) {
        // Locking the head orders concurrent appends; the lock lasts until the caller's transaction ends.
        Head head = sql.queryOne("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE",
                row -> new Head(row.getLong(1), row.getString(2))).orElseThrow();
        long seq = head.seq() + 1;
        Instant at = time.truncatedTo(ChronoUnit.MILLIS);
        String hash = AuditChain.hash(seq, at, actor, action, target, details, head.hash());
        sql.update("INSERT INTO audit_events (seq, event_time, actor, action, target, details, prev_hash, hash)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", seq, at, actor, action, target, FlatJson.write(details),
                head.hash(), hash);
        sql.update("UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1", seq, hash);
        return new AuditEvent(seq, at, actor, action, target, details, head.hash(), hash);
    }

    @Override
    public List<AuditEvent> list(long afterSeq, int limit, String actor, String action) {
        StringBuilder query = new StringBuilder("SELECT seq, event_time, actor, action, target, details, prev_hash, hash"
                + " FROM audit_events WHERE seq > ?");
        List<Object> parameters = new ArrayList<>(List.of(afterSeq));
        if (actor != null) {
            query.append(" AND actor = ?");
            parameters.add(actor);
        }
        if (action != null) {
            query.append(" AND action = ?");
            parameters.add(action);
        }
        query.append(" ORDER BY seq FETCH FIRST ").append(limit).append(" ROWS ONLY");
        return sql.query(query.toString(), JdbcAudit::map, parameters.toArray());
    }

    @Override
    public List<AuditEvent> forTarget(String target, long afterSeq, int limit) {
        return sql.query("SELECT seq, event_time, actor, action, target, details, prev_hash, hash FROM audit_events"
                + " WHERE target = ? AND seq > ? ORDER BY seq FETCH FIRST " + limit + " ROWS ONLY", JdbcAudit::map,
                target, afterSeq);
    }

    @Override
    public Head head() {
        return sql.queryOne("SELECT seq, hash FROM audit_head WHERE id = 1", row -> new Head(row.getLong(1),
                row.getString(2))).orElseThrow();
    }

    @Override
    public long count() {
        return sql.queryOne("SELECT COUNT(*) FROM audit_events", row -> row.getLong(1)).orElseThrow();
    }

    private static AuditEvent map(ResultSet row) throws SQLException {
        return new AuditEvent(row.getLong(1), Sql.instant(row, "event_time"), row.getString(3), row.getString(4),
                row.getString(5), FlatJson.read(row.getString(6)), row.getString(7), row.getString(8));
    }
}
