package dev.asterism.core.audit;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.permission.Authorization;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Reading and verifying the audit chain. Admins only: events name every user and VM. A server verifies with its
 * {@link AuditKey} and the newest checkpoint it keeps of the head outside the database.
 */
public final class AuditService {
    private static final int PAGE = 1000;
    private final Store store;
    private final AuditKey key;
    private final Supplier<Optional<AuditRepository.Head>> checkpoint;

    /** Verifies the hash chain alone. */
    public AuditService(Store store) {
        this(store, null, Optional::empty);
    }

    public AuditService(Store store, AuditKey key, Supplier<Optional<AuditRepository.Head>> checkpoint) {
        this.store = requireNonNull(store, "store is null");
        this.key = key;
        this.checkpoint = requireNonNull(checkpoint, "checkpoint is null");
    }

    public List<AuditEvent> list(User caller, Long afterSeq, Integer limit, String actor, String action) {
        Authorization.requireAdmin(caller, "read the audit log");
        long after = afterSeq == null ? 0 : afterSeq;
        if (after < 0) {
            throw dev.asterism.core.error.AsterismException.invalid("afterSeq", "must not be negative");
        }
        int max = limit == null ? 100 : Validate.range("limit", limit, 1, PAGE);
        return store.call(transaction -> transaction.audit().list(after, max, actor, action));
    }

    /** The newest event's sequence number. */
    public long headSeq() {
        return store.call(transaction -> transaction.audit().head().seq());
    }

    public AuditVerification verify(User caller) {
        Authorization.requireAdmin(caller, "verify the audit log");
        return verify();
    }

    /**
     * Checks the whole chain page by page against its head, its seals and the checkpoint. Events after the head are
     * reported too, unless the head has reached them since (appends made while the check ran).
     */
    public AuditVerification verify() {
        AuditChain.Verifier verifier = new AuditChain.Verifier(key, checkpoint.get().orElse(null));
        AuditRepository.Head head = store.call(transaction -> transaction.audit().head());
        List<AuditEvent> afterHead = new ArrayList<>();
        long after = 0;
        while (true) {
            long from = after;
            List<AuditEvent> page = store.call(transaction -> transaction.audit().list(from, PAGE, null, null));
            for (AuditEvent event : page) {
                if (event.seq() <= head.seq()) {
                    verifier.accept(event);
                } else if (afterHead.size() < PAGE) {
                    afterHead.add(event);
                }
                after = event.seq();
            }
            if (page.size() < PAGE) {
                break;
            }
        }
        long headNow = store.call(transaction -> transaction.audit().head().seq());
        afterHead.stream().filter(event -> event.seq() > headNow).forEach(event -> verifier.afterHead(event, headNow));
        return verifier.finish(head);
    }
}
