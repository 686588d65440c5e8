package dev.asterism.core.audit;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One link of the append-only audit chain. {@code hash} covers every other field and {@code prevHash},
 * so editing, deleting or reordering events breaks the chain; {@code seal} is the hash sealed with the server's
 * {@link AuditKey} (null for an event written without one), so that rehashing after an edit is found too. Details
 * never hold a secret.
 */
public record AuditEvent(
        long seq,
        Instant time,
        String actor,
        String action,
        String target,
        Map<String, String> details,
        String prevHash,
        String hash,
        String seal) {

    public AuditEvent {
        requireNonNull(time, "time is null");
        requireNonNull(actor, "actor is null");
        requireNonNull(action, "action is null");
        requireNonNull(target, "target is null");
        details = java.util.Collections.unmodifiableMap(new TreeMap<>(details));
        requireNonNull(prevHash, "prevHash is null");
        requireNonNull(hash, "hash is null");
    }
}
