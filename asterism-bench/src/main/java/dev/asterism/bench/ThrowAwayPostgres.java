package dev.asterism.bench;

import dev.asterism.testing.PostgresServer;

/**
 * A throw-away local PostgreSQL server with one empty database, from the test fixture {@link PostgresServer}: it
 * listens on loopback, trusts local connections, runs with fsync off and is deleted on {@link #close()}.
 *
 * <p>Kept apart from {@link BenchDatabase} so that the fixture's classes are loaded only when this server is
 * asked for.
 */
final class ThrowAwayPostgres implements AutoCloseable {
    private final PostgresServer server;
    private final PostgresServer.Database database;

    private ThrowAwayPostgres(PostgresServer server, PostgresServer.Database database) {
        this.server = server;
        this.database = database;
    }

    /**
     * Starts a server and creates a database in it; on failure nothing is left running.
     *
     * @throws BenchmarkException when PostgreSQL is not installed or does not start
     */
    static ThrowAwayPostgres start() {
        PostgresServer server;
        try {
            server = PostgresServer.start();
        } catch (AssertionError e) {
            throw new BenchmarkException("cannot start a throw-away PostgreSQL server: " + e.getMessage()
                    + " (or name a database with --database-url)", e);
        }
        try {
            return new ThrowAwayPostgres(server, server.createDatabase());
        } catch (RuntimeException | AssertionError e) {
            server.close();
            throw new BenchmarkException("cannot create a database on the throw-away PostgreSQL server: "
                    + e.getMessage(), e);
        }
    }

    String jdbcUrl() {
        return database.jdbcUrl();
    }

    String user() {
        return database.user();
    }

    String password() {
        return database.password();
    }

    @Override
    public void close() {
        server.close();
    }
}
