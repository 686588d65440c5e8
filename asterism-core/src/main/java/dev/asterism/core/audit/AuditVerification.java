package dev.asterism.core.audit;

import java.util.List;

/**
 * The result of checking the whole chain: every problem found, with the sequence number it concerns. Problems an
 * administrator accepted when starting the server on a broken chain ({@code audit.chain-accepted}) are listed apart
 * and no longer make the chain invalid.
 */
public record AuditVerification(boolean valid, long events, List<Problem> problems, List<Problem> accepted) {
    public AuditVerification {
        problems = List.copyOf(problems);
        accepted = List.copyOf(accepted);
    }

    public record Problem(long seq, String problem) {}
}
