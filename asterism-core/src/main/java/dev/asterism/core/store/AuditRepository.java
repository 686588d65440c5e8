package dev.asterism.core.store;

import dev.asterism.core.audit.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The append-only audit chain. Appends are serialized by the chain's head row; a repository given an
 * {@link dev.asterism.core.audit.AuditKey} seals every event and the head as it writes them.
 */
public interface AuditRepository {
    AuditEvent append(String actor, String action, String target, Map<String, String> details, Instant time);

    /** Events with seq greater than {@code afterSeq}, ascending, filtered when actor/action are not null. */
    List<AuditEvent> list(long afterSeq, int limit, String actor, String action);

    /** Events about one target (for example {@code constellation:c7}) with seq greater than {@code afterSeq}, ascending. */
    List<AuditEvent> forTarget(String target, long afterSeq, int limit);

    /** The head: the seq and hash of the newest event (0 and the genesis hash when empty), and its seal. */
    Head head();

    /** The event with the highest seq, whether or not the head records it. */
    java.util.Optional<AuditEvent> last();

    long count();

    /** Seals events written before the chain had a key, and the head: {@code seals} maps seq to seal. */
    void seal(Map<Long, String> seals, String headSeal);

    /**
     * Makes {@code event} the head (sealed with {@code seal}), whatever the head recorded: for an administrator who
     * accepts a chain that does not verify.
     */
    void resetHead(AuditEvent event, String seal);

    /** A head, or a checkpoint of one: the newest event's seq and hash, and their seal (null when unsealed). */
    record Head(long seq, String hash, String seal) {}
}
