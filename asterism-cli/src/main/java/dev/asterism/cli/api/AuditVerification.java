package dev.asterism.cli.api;

import java.util.List;

/**
 * The server's check of the whole audit hash chain.
 *
 * @param events how many events the server checked
 * @param accepted problems an administrator accepted when starting the server on a broken chain
 */
public record AuditVerification(boolean valid, long events, List<Problem> problems, List<Problem> accepted) {

    public AuditVerification {
        problems = problems == null ? List.of() : List.copyOf(problems);
        accepted = accepted == null ? List.of() : List.copyOf(accepted);
    }

    /** One broken link of the chain. */
    public record Problem(long seq, String problem) {}
}
