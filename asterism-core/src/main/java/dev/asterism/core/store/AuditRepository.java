package dev.asterism.core.store;

import dev.asterism.core.audit.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The append-only audit chain. Appends are serialized by the chain's head row. */
public interface AuditRepository {
    AuditEvent append(String actor, String action, String target, Map<String, String> details, Instant time);

    /** Events with seq greater than {@code afterSeq}, ascending, filtered when actor/action are not null. */
    List<AuditEvent> list(long afterSeq, int limit, String actor, String action);

    /** Events about one target (for example {@code constellation:c7}) with seq greater than {@code afterSeq}, ascending. */
    List<AuditEvent> forTarget(String target, long afterSeq, int limit);

    /** The head: the seq and hash of the newest event (0 and the genesis hash when empty). */
    Head head();

    long count();

    record Head(long seq, String hash) {}
}
