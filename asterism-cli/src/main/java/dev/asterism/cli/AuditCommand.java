package dev.asterism.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.AuditEvent;
import dev.asterism.cli.api.AuditVerification;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "audit", description = "Read and verify the audit log, an append-only hash chain of every change.")
final class AuditCommand extends CommandGroup {

    @Command(name = "list", description = "List audit events, oldest first.")
    void list(
            @Option(
                            names = "--after-seq",
                            paramLabel = "N",
                            converter = Converters.NonNegativeNumber.class,
                            description = "Only events after sequence number N, to page through the log.")
                    Long afterSeq,
            @Option(
                            names = "--limit",
                            paramLabel = "N",
                            converter = Converters.PositiveNumber.class,
                            description = "At most N events.")
                    Long limit,
            @Option(names = "--actor", paramLabel = "USER", description = "Only events by this user.") String actor,
            @Option(names = "--action", paramLabel = "ACTION", description = "Only events of this action.")
                    String action,
            @Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        List<String> query = new ArrayList<>();
        addQuery(query, "afterSeq", afterSeq);
        addQuery(query, "limit", limit);
        addQuery(query, "actor", actor);
        addQuery(query, "action", action);
        String path = "/audit";
        if (!query.isEmpty()) {
            path += "?" + String.join("&", query);
        }
        JsonNode response = api().get(path);
        if (asJson) {
            printJson(response);
            return;
        }
        Table table = Table.withHeaders("SEQ", "TIME", "ACTOR", "ACTION", "TARGET", "DETAILS");
        for (AuditEvent event : json().readList(response, AuditEvent.class)) {
            table.row(event.seq(), event.time(), event.actor(), event.action(), event.target(), details(event));
        }
        table.print(out(), "no audit events");
    }

    @Command(
            name = "verify",
            description = {
                "Have the server check the audit hash chain end to end: every event's hash and seal (made with"
                        + " the audit key in the server's data directory), the head, and the newest checkpoint the"
                        + " server keeps there.",
                "",
                "Exits 0 when the chain is intact, 1 when any event was changed, removed, reordered or added"
                        + " outside the server. Problems an administrator accepted at a start (--accept-audit-chain)"
                        + " are listed but do not fail the check."
            })
    int verify(@Option(names = "--json", description = JSON_DESCRIPTION) boolean asJson) {
        JsonNode response = api().get("/audit/verify");
        AuditVerification verification = json().read(response, AuditVerification.class);
        if (asJson) {
            printJson(response);
        } else if (verification.valid()) {
            printLine("audit chain valid: " + verification.events() + " events");
        }
        if (!asJson && !verification.accepted().isEmpty()) {
            out().println(verification.accepted().size() + " problems accepted by an administrator at a start:");
            for (AuditVerification.Problem problem : verification.accepted()) {
                out().println("  seq " + problem.seq() + ": " + problem.problem());
            }
            out().flush();
        }
        if (!asJson && !verification.valid()) {
            out().println("audit chain INVALID: " + verification.events() + " events checked, "
                    + verification.problems().size() + " problems");
            for (AuditVerification.Problem problem : verification.problems()) {
                out().println("  seq " + problem.seq() + ": " + problem.problem());
            }
            out().flush();
        }
        if (verification.valid()) {
            return ExitStatus.SUCCESS.code();
        }
        return ExitStatus.FAILURE.code();
    }

    private static void addQuery(List<String> query, String name, Object value) {
        if (value != null) {
            query.add(name + "=" + ApiClient.queryValue(String.valueOf(value)));
        }
    }

    private String details(AuditEvent event) {
        if (event.details() == null || event.details().isNull() || event.details().isEmpty()) {
            return null;
        }
        return json().compact(event.details());
    }
}
