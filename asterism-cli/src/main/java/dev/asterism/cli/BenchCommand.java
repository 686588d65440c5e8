package dev.asterism.cli;

import dev.asterism.bench.ApiBenchmark;
import dev.asterism.bench.BenchmarkException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", description = {
    "Measure Asterism on this machine. Benchmarks are not tests: they print numbers and judge none.",
    "Results and the commands that produced them are kept in BENCHMARKS.md."})
final class BenchCommand extends CommandGroup {

    @Command(
            name = "api",
            sortOptions = false,
            description = {
                "Requests per second and p50/p99 latency of the REST API for login, vm start and vm list at each "
                        + "concurrency, then the cost of one audit event.",
                "",
                "Each database gets its own server in this process, on a free loopback port, with the production "
                        + "password hashing (Argon2id, 19 MiB, 2 passes) and the sim realm without delays; no "
                        + "server needs to run and nothing is sent off this host. The H2 database lives in a "
                        + "temporary directory; for PostgreSQL a throw-away local server is started (the "
                        + "PostgreSQL binaries must be installed) unless --database-url names a database. "
                        + "Everything is deleted afterwards, except a database named with --database-url.",
                "",
                "Every row sends an unmeasured warm-up, then its requests from as many virtual threads as the "
                        + "concurrency, each sending its next request when the previous one is answered. Logins "
                        + "spread over 16 users and all succeed; vm start starts VMs of the brick 'worker'; vm list "
                        + "lists every VM started before. The audit rows append events through the store directly.",
                "",
                "Takes a few minutes per database with the defaults, and all the CPU it can get while it runs. "
                        + "Exits 0 when every request succeeded, 1 when any failed."
            })
    int api(
            @Option(
                            names = "--database",
                            paramLabel = "h2|postgres|both",
                            defaultValue = "h2",
                            description = "The database to measure on (default: ${DEFAULT-VALUE}).")
                    String database,
            @Option(
                            names = "--database-url",
                            paramLabel = "JDBC_URL",
                            description = "An empty PostgreSQL database to use instead of a throw-away server, e.g. "
                                    + "jdbc:postgresql://127.0.0.1:5432/bench. The password comes from "
                                    + "ASTERISM_DATABASE_PASSWORD. The benchmark leaves its users, VMs and audit "
                                    + "events in it.")
                    String databaseUrl,
            @Option(
                            names = "--database-user",
                            paramLabel = "USER",
                            defaultValue = "asterism",
                            description = "The user of --database-url (default: ${DEFAULT-VALUE}).")
                    String databaseUser,
            @Option(
                            names = "--requests",
                            paramLabel = "N",
                            defaultValue = "" + ApiBenchmark.Settings.DEFAULT_REQUESTS,
                            converter = Converters.PositiveNumber.class,
                            description = "Measured requests per row of vm start and vm list (default: "
                                    + "${DEFAULT-VALUE}).")
                    Long requests,
            @Option(
                            names = "--login-requests",
                            paramLabel = "N",
                            defaultValue = "" + ApiBenchmark.Settings.DEFAULT_LOGIN_REQUESTS,
                            converter = Converters.PositiveNumber.class,
                            description = "Measured requests per row of login, fewer because each one hashes a "
                                    + "password on purpose (default: ${DEFAULT-VALUE}).")
                    Long loginRequests,
            @Option(
                            names = "--concurrency",
                            paramLabel = "C[,C...]",
                            split = ",",
                            defaultValue = "1,16,64",
                            converter = Converters.PositiveNumber.class,
                            description = "The concurrencies to measure each operation at (default: "
                                    + "${DEFAULT-VALUE}).")
                    List<Long> concurrencies,
            @Option(
                            names = "--audit-events",
                            paramLabel = "N",
                            defaultValue = "" + ApiBenchmark.Settings.DEFAULT_AUDIT_EVENTS,
                            converter = Converters.PositiveNumber.class,
                            description = "Measured audit appends per row, with 1 and with 16 threads (default: "
                                    + "${DEFAULT-VALUE}).")
                    Long auditEvents) {
        List<ApiBenchmark.Database> databases = switch (database) {
            case "h2" -> List.of(ApiBenchmark.Database.H2);
            case "postgres" -> List.of(ApiBenchmark.Database.POSTGRES);
            case "both" -> List.of(ApiBenchmark.Database.H2, ApiBenchmark.Database.POSTGRES);
            default -> throw new CommandFailure(ExitStatus.USAGE,
                    "--database must be h2, postgres or both, not '" + database + "'");
        };
        if (databaseUrl != null && !databases.contains(ApiBenchmark.Database.POSTGRES)) {
            throw new CommandFailure(ExitStatus.USAGE, "--database-url names a PostgreSQL database: add --database "
                    + "postgres or --database both");
        }
        ApiBenchmark.Settings settings = new ApiBenchmark.Settings(databases, databaseUrl, databaseUser,
                root.environment().variable("ASTERISM_DATABASE_PASSWORD"), count("--requests", requests),
                count("--login-requests", loginRequests), concurrencies.stream()
                        .map(concurrency -> count("--concurrency", concurrency)).toList(),
                count("--audit-events", auditEvents));
        try {
            if (new ApiBenchmark(settings, out(), err()).run()) {
                return ExitStatus.SUCCESS.code();
            }
            return ExitStatus.FAILURE.code();
        } catch (BenchmarkException e) {
            throw new CommandFailure(ExitStatus.FAILURE, e.getMessage());
        }
    }

    private static int count(String option, long value) {
        if (value > 1_000_000) {
            throw new CommandFailure(ExitStatus.USAGE, option + " must be at most 1000000, not " + value);
        }
        return (int) value;
    }
}
