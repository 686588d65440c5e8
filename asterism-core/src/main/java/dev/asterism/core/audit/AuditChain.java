package dev.asterism.core.audit;

import dev.asterism.core.store.AuditRepository;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The SHA-256 hash chain over audit events, and its verification. */
public final class AuditChain {
    /** The {@code prevHash} of the first event. */
    public static final String GENESIS = "0".repeat(64);

    private AuditChain() {}

    /**
     * The hash of an event. Every field is length-prefixed, so no two different events encode alike,
     * and details are hashed in key order.
     */
    public static String hash(long seq, Instant time, String actor, String action, String target,
            Map<String, String> details, String prevHash) {
        StringBuilder canonical = new StringBuilder();
        field(canonical, Long.toString(seq));
        field(canonical, time.toString());
        field(canonical, actor);
        field(canonical, action);
        field(canonical, target);
        Map<String, String> sorted = new TreeMap<>(details);
        field(canonical, Integer.toString(sorted.size()));
        sorted.forEach((key, value) -> {
            field(canonical, key);
            field(canonical, value);
        });
        field(canonical, prevHash);
        return HexFormat.of().formatHex(sha256().digest(canonical.toString().getBytes(StandardCharsets.UTF_8)));
    }

    public static String hashOf(AuditEvent event) {
        return hash(event.seq(), event.time(), event.actor(), event.action(), event.target(), event.details(),
                event.prevHash());
    }

    private static void field(StringBuilder canonical, String value) {
        canonical.append(value.length()).append(':').append(value).append(';');
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * Checks events fed in ascending {@code seq} order, page by page, without holding them all. With a key, every
     * event and the head must carry its seal; with a checkpoint (the newest head the server saw, kept outside the
     * database), the chain must reach it unchanged, so that deleting the newest events and setting the head back to an
     * older, genuinely sealed one is found as well.
     */
    public static final class Verifier {
        /** The action of the event that records an administrator accepting the problems found before it. */
        public static final String ACCEPTED = "audit.chain-accepted";
        /** The detail of {@link #ACCEPTED} naming the last event whose problems were accepted. */
        public static final String ACCEPTED_THROUGH = "acceptedThrough";

        private final AuditKey key;
        private final AuditRepository.Head checkpoint;
        private final List<AuditVerification.Problem> problems = new ArrayList<>();
        private final List<AuditVerification.Problem> accepted = new ArrayList<>();
        private long events;
        private long lastSeq;
        private String lastHash = GENESIS;

        /** A verifier of the hash chain alone. */
        public Verifier() {
            this(null, null);
        }

        /** A verifier of the chain, the seals (when {@code key} is not null) and a checkpoint (when not null). */
        public Verifier(AuditKey key, AuditRepository.Head checkpoint) {
            this.key = key;
            this.checkpoint = checkpoint;
        }

        public void accept(AuditEvent event) {
            events++;
            if (event.seq() != lastSeq + 1) {
                problem(event.seq(), event.seq() > lastSeq + 1
                        ? "events " + (lastSeq + 1) + " to " + (event.seq() - 1) + " are missing (deleted)"
                        : "event is out of order after event " + lastSeq);
            }
            if (!event.prevHash().equals(lastHash)) {
                problem(event.seq(), "its previous-hash does not match event " + lastSeq
                        + " (removed, replaced or reordered)");
            }
            boolean hashed = hashOf(event).equals(event.hash());
            if (!hashed) {
                problem(event.seq(), "its contents do not match its hash (edited)");
            }
            boolean sealed = key == null || key.sealsEvent(event.hash(), event.seal());
            if (!sealed) {
                problem(event.seq(), event.seal() == null ? "it is not sealed (written without the audit key)"
                        : "its seal does not match its hash (edited and rehashed without the audit key)");
            }
            if (checkpoint != null && event.seq() == checkpoint.seq() && !event.hash().equals(checkpoint.hash())) {
                problem(event.seq(), "it is not the event the checkpoint in the data directory records (rewritten)");
            }
            if (hashed && sealed && key != null && event.action().equals(ACCEPTED)) {
                acceptThrough(event.details().get(ACCEPTED_THROUGH));
            }
            lastSeq = event.seq();
            lastHash = event.hash();
        }

        /** An event with a higher seq than the head records: the server never wrote it as the chain's end. */
        public void afterHead(AuditEvent event, long headSeq) {
            events++;
            problem(event.seq(), "it comes after the chain's head (event " + headSeq
                    + "): it was written outside the server");
        }

        /**
         * Ends the check against the chain's head, which records the newest event, so that deleting the
         * newest events is found too.
         */
        public AuditVerification finish(long headSeq, String headHash) {
            return finish(new AuditRepository.Head(headSeq, headHash, null));
        }

        public AuditVerification finish(AuditRepository.Head head) {
            if (head.seq() != lastSeq || !head.hash().equals(lastHash)) {
                problem(lastSeq, "the chain ends at event " + lastSeq + " but its head records event " + head.seq()
                        + " (the newest events were deleted or replaced)");
            }
            if (key != null && !key.sealsHead(head.seq(), head.hash(), head.seal())) {
                problem(head.seq(), "the head is not sealed with the audit key (it was set outside the server)");
            }
            if (checkpoint != null && checkpoint.seq() > lastSeq) {
                problem(lastSeq, "the chain ends at event " + lastSeq + " but the checkpoint in the data directory"
                        + " records event " + checkpoint.seq() + " (events " + (lastSeq + 1) + " to "
                        + checkpoint.seq() + " were deleted)");
            }
            return new AuditVerification(problems.isEmpty(), events, problems, accepted);
        }

        private void problem(long seq, String problem) {
            problems.add(new AuditVerification.Problem(seq, problem));
        }

        private void acceptThrough(String through) {
            long last;
            try {
                last = Long.parseLong(through);
            } catch (NumberFormatException e) {
                return;
            }
            problems.removeIf(problem -> {
                if (problem.seq() > last) {
                    return false;
                }
                accepted.add(problem);
                return true;
            });
        }
    }
}
