package dev.asterism.core.audit;

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

    /** Checks events fed in ascending {@code seq} order, page by page, without holding them all. */
    public static final class Verifier {
        private final List<AuditVerification.Problem> problems = new ArrayList<>();
        private long events;
        private long lastSeq;
        private String lastHash = GENESIS;

        public void accept(AuditEvent event) {
            events++;
            if (event.seq() != lastSeq + 1) {
                problems.add(new AuditVerification.Problem(event.seq(), event.seq() > lastSeq + 1
                        ? "events " + (lastSeq + 1) + " to " + (event.seq() - 1) + " are missing (deleted)"
                        : "event is out of order after event " + lastSeq));
            }
            if (!event.prevHash().equals(lastHash)) {
                problems.add(new AuditVerification.Problem(event.seq(),
                        "its previous-hash does not match event " + lastSeq + " (removed, replaced or reordered)"));
            }
            if (!hashOf(event).equals(event.hash())) {
                problems.add(new AuditVerification.Problem(event.seq(), "its contents do not match its hash (edited)"));
            }
            lastSeq = event.seq();
            lastHash = event.hash();
        }

        /**
         * Ends the check against the chain's head, which records the newest event, so that deleting the
         * newest events is found too.
         */
        public AuditVerification finish(long headSeq, String headHash) {
            if (headSeq != lastSeq || !headHash.equals(lastHash)) {
                problems.add(new AuditVerification.Problem(lastSeq, "the chain ends at event " + lastSeq
                        + " but its head records event " + headSeq + " (the newest events were deleted or replaced)"));
            }
            return new AuditVerification(problems.isEmpty(), events, problems);
        }
    }
}
