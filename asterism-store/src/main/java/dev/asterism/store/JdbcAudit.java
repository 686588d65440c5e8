package dev.asterism.store;

import dev.asterism.core.audit.AuditChain;
import dev.asterism.core.audit.AuditEvent;
import dev.asterism.core.audit.AuditKey;
import dev.asterism.core.store.AuditRepository;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

final class JdbcAudit implements AuditRepository {
    private static final String COLUMNS = "seq, event_time, actor, action, target, details, prev_hash, hash, seal";

    private final Sql sql;
    private final AuditKey key;

    /** A repository that seals what it appends with {@code key}, or nothing when it is null. */
    JdbcAudit(Sql sql, AuditKey key) {
        this.sql = sql;
        this.key = key;
    }

    @Override
    public AuditEvent append(String actor, String action, String target, Map<String, String> details, Instant time) {
        // Locking the head orders concurrent appends; the lock lasts until the caller's transaction ends.
        Head head = sql.queryOne("SELECT seq, hash, seal FROM audit_head WHERE id = 1 FOR UPDATE", JdbcAudit::head)
                .orElseThrow();
        long seq = head.seq() + 1;
        Instant at = time.truncatedTo(ChronoUnit.MILLIS);
        String hash = AuditChain.hash(seq, at, actor, action, target, details, head.hash());
        String seal = key == null ? null : key.sealEvent(hash);
        try {
            sql.update("INSERT INTO audit_events (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", seq, at, actor,
                    action, target, FlatJson.write(details), head.hash(), hash, seal);
        } catch (StoreException e) {
            if (e.getCause() instanceof SQLException cause && Sql.isUniqueViolation(cause)) {
                throw new StoreException("the audit chain holds an event " + seq + " after its head (event "
                        + head.seq() + "), which the server did not write: nothing can be recorded until an"
                        + " administrator checks the chain (`asterism audit verify`) and restarts the server", e);
            }
            throw e;
        }
        sql.update("UPDATE audit_head SET seq = ?, hash = ?, seal = ? WHERE id = 1", seq, hash,
                key == null ? null : key.sealHead(seq, hash));
        return new AuditEvent(seq, at, actor, action, target, details, head.hash(), hash, seal);
    }

    @Override
    public List<AuditEvent> list(long afterSeq, int limit, String actor, String action) {
        StringBuilder query = new StringBuilder("SELECT " + COLUMNS + " FROM audit_events WHERE seq > ?");
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
        return sql.query("SELECT " + COLUMNS + " FROM audit_events WHERE target = ? AND seq > ? ORDER BY seq FETCH FIRST " + limit + " ROWS ONLY", JdbcAudit::map,
                target, afterSeq);
    }

    @Override
    public Head head() {
        return sql.queryOne("SELECT seq, hash, seal FROM audit_head WHERE id = 1", JdbcAudit::head).orElseThrow();
    }

    @Override
    public Optional<AuditEvent> last() {
        return sql.queryOne("SELECT " + COLUMNS + " FROM audit_events ORDER BY seq DESC FETCH FIRST 1 ROWS ONLY",
                JdbcAudit::map);
    }

    @Override
    public void seal(Map<Long, String> seals, String headSeal) {
        seals.forEach((seq, seal) -> sql.update("UPDATE audit_events SET seal = ? WHERE seq = ?", seal, seq));
        sql.update("UPDATE audit_head SET seal = ? WHERE id = 1", headSeal);
    }

    @Override
    public void resetHead(AuditEvent event, String seal) {
        sql.update("UPDATE audit_head SET seq = ?, hash = ?, seal = ? WHERE id = 1", event.seq(), event.hash(), seal);
    }

    @Override
    public long count() {
        return sql.queryOne("SELECT COUNT(*) FROM audit_events", row -> row.getLong(1)).orElseThrow();
    }

    private static AuditEvent map(ResultSet row) throws SQLException {
        return new AuditEvent(row.getLong(1), Sql.instant(row, "event_time"), row.getString(3), row.getString(4),
                row.getString(5), FlatJson.read(row.getString(6)), row.getString(7), row.getString(8),
                row.getString(9));
    }

    private static Head head(ResultSet row) throws SQLException {
        return new Head(row.getLong(1), row.getString(2), row.getString(3));
    }
}
