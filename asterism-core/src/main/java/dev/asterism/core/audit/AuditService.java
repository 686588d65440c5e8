package dev.asterism.core.audit;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.permission.Authorization;
import dev.asterism.core.store.AuditRepository;
import dev.asterism.core.store.Store;
import dev.asterism.core.user.User;
import dev.asterism.core.validation.Validate;
import java.util.List;

/** Reading and verifying the audit chain. Admins only: events name every user and VM. */
public final class AuditService {
    private static final int PAGE = 1000;
    private final Store store;

    public AuditService(Store store) {
        this.store = requireNonNull(store, "store is null");
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

    /** Checks the whole chain page by page against its head. */
    public AuditVerification verify() {
        AuditChain.Verifier verifier = new AuditChain.Verifier();
        AuditRepository.Head head = store.call(transaction -> transaction.audit().head());
        long after = 0;
        while (true) {
            long from = after;
            List<AuditEvent> page = store.call(transaction -> transaction.audit().list(from, PAGE, null, null));
            for (AuditEvent event : page) {
                if (event.seq() > head.seq()) {
                    return verifier.finish(head.seq(), head.hash());
                }
                verifier.accept(event);
                after = event.seq();
            }
            if (page.size() < PAGE) {
                return verifier.finish(head.seq(), head.hash());
            }
        }
    }
}
