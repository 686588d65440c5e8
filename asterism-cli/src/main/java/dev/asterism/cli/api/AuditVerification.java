package dev.asterism.cli.api;

import java.util.List;

/**
 * The server's check of the whole audit hash chain.
 *
 * @param events how many events the server checked
 */
public record AuditVerification(boolean valid, long events, List<Problem> problems) {

    public AuditVerification {
        problems = problems == null ? List.of() : List.copyOf(problems);
    }

    /** One broken link of the chain. */
    public record Problem(long seq, String problem) {}
}
