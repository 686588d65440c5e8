package dev.asterism.cli;

import picocli.CommandLine.Option;

/** The options of every benchmark that may run on an existing PostgreSQL database. */
final class BenchDatabaseOptions {
    @Option(names = "--database-url", paramLabel = "JDBC_URL",
            description = "An empty PostgreSQL database to use instead of a throw-away server, e.g. "
                    + "jdbc:postgresql://127.0.0.1:5432/bench. The password comes from ASTERISM_DATABASE_PASSWORD. "
                    + "The benchmark leaves what it made in it.")
    String databaseUrl;

    @Option(names = "--database-user", paramLabel = "USER", defaultValue = "asterism",
            description = "The user of --database-url (default: ${DEFAULT-VALUE}).")
    String databaseUser;
}
