package dev.asterism.core.audit;

import java.util.List;

/** The result of checking the whole chain: every problem found, with the sequence number it concerns. */
public record AuditVerification(boolean valid, long events, List<Problem> problems) {
    public AuditVerification {
        problems = List.copyOf(problems);
    }

    public record Problem(long seq, String problem) {}
}
