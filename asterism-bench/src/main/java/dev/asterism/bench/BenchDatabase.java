package dev.asterism.bench;

import static java.util.Objects.requireNonNull;

import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.server.AsterismServer;
import dev.asterism.server.ServerConfig;
import dev.asterism.server.ServerStartException;
import dev.asterism.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;

/**
 * The database one benchmark run uses, ready before the server starts and cleaned up after it stopped: an H2
 * database in a temporary directory, a PostgreSQL database named by URL, or a throw-away PostgreSQL server.
 */
final class BenchDatabase implements AutoCloseable {
    private final ApiBenchmark.Database kind;
    private final Path dataDirectory;
    // The PostgreSQL database, all null for H2.
    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final ThrowAwayPostgres throwAwayServer;
    private final String description;

    private BenchDatabase(ApiBenchmark.Database kind, Path dataDirectory, String jdbcUrl, String user, String password,
            ThrowAwayPostgres throwAwayServer, String description) {
        this.kind = kind;
        this.dataDirectory = dataDirectory;
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.throwAwayServer = throwAwayServer;
        this.description = description;
    }

    /**
     * Prepares the database of {@code kind}.
     *
     * @throws BenchmarkException when it cannot: no temporary directory, PostgreSQL missing or not starting
     */
    static BenchDatabase open(ApiBenchmark.Database kind, ApiBenchmark.Settings settings) {
        return open(kind, settings.databaseUrl(), settings.databaseUser(), settings.databasePassword());
    }

    /**
     * Prepares the database of {@code kind}: for PostgreSQL the one at {@code databaseUrl}, or a throw-away server
     * when it is null.
     *
     * @throws BenchmarkException when it cannot: no temporary directory, PostgreSQL missing or not starting
     */
    static BenchDatabase open(ApiBenchmark.Database kind, String databaseUrl, String databaseUser,
            String databasePassword) {
        Path dataDirectory = createDataDirectory();
        try {
            return switch (kind) {
                case H2 -> new BenchDatabase(kind, dataDirectory, null, null, null, null,
                        "H2, embedded, in " + dataDirectory);
                case POSTGRES -> openPostgres(dataDirectory, databaseUrl, databaseUser, databasePassword);
            };
        } catch (RuntimeException e) {
            PostgresServer.deleteRecursively(dataDirectory);
            throw e;
        }
    }

    private static BenchDatabase openPostgres(Path dataDirectory, String databaseUrl, String databaseUser,
            String databasePassword) {
        if (databaseUrl != null) {
            String password = databasePassword == null ? "" : databasePassword;
            String version = postgresVersion(databaseUrl, requireNonNull(databaseUser, "databaseUser is null"),
                    password);
            return new BenchDatabase(ApiBenchmark.Database.POSTGRES, dataDirectory, databaseUrl, databaseUser,
                    password, null, version + " at " + withoutParameters(databaseUrl));
        }
        ThrowAwayPostgres server;
        try {
            server = ThrowAwayPostgres.start();
        } catch (NoClassDefFoundError e) {
            throw new BenchmarkException("this build of asterism lacks the PostgreSQL test fixture"
                    + " (asterism-testing) that starts a throw-away server: name a database with --database-url", e);
        }
        try {
            String version = postgresVersion(server.jdbcUrl(), server.user(), server.password());
            return new BenchDatabase(ApiBenchmark.Database.POSTGRES, dataDirectory, server.jdbcUrl(), server.user(),
                    server.password(), server, version + ", throw-away local server (fsync, synchronous_commit and"
                            + " full_page_writes off)");
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    ApiBenchmark.Database kind() {
        return kind;
    }

    /** What the report says about the database: product, version, where. */
    String description() {
        return description;
    }

    /**
     * Starts a server on this database in this JVM, on free loopback ports, with the production password hashing
     * and the {@code sim} realm.
     *
     * @param simDelays {@code zero} or {@code realistic}
     * @throws BenchmarkException when it does not start
     */
    AsterismServer startServer(String adminPassword, String simDelays) {
        return startServer(adminPassword, "sim", simDelays, null);
    }

    /** A server on this database with the realm {@code realm} ({@code sim}, {@code netns} or {@code qemu}). */
    AsterismServer startServer(String adminPassword, String realm, String simDelays, java.nio.file.Path qemuBrick) {
        try {
            return AsterismServer.start(serverConfig(adminPassword, simDelays).withRealm(realm, simDelays)
                    .withNetnsPrefix(OnboardingBenchmark.NETNS_PREFIX)
                    .withQemu(qemuBrick, OnboardingBenchmark.QEMU_PREFIX)
                    .withRegistrationTimeout(java.time.Duration.ofMinutes(15))
                    .withPhaseTimeout(java.time.Duration.ofMinutes(15)), Clock.systemUTC(),
                    PasswordHasher.DEFAULT);
        } catch (ServerStartException e) {
            throw new BenchmarkException("the server did not start on " + description + ": " + e.getMessage(), e);
        }
    }

    /** Where the qemu realm of this database's server keeps its VMs. */
    java.nio.file.Path qemuStateDirectory() {
        return dataDirectory.resolve("qemu");
    }

    /**
     * The server configuration for this database; the data directory holds the H2 database (if any) and the
     * agent CA.
     */
    ServerConfig serverConfig(String adminPassword, String simDelays) {
        ServerConfig config = ServerConfig.defaults(dataDirectory)
                .withPort(0).withAgentPort(0)
                .withRealm("sim", requireNonNull(simDelays, "simDelays is null"))
                .withAdminPassword(requireNonNull(adminPassword, "adminPassword is null"));
        if (jdbcUrl == null) {
            return config;
        }
        return config.withDatabase(jdbcUrl, user, password);
    }

    /** Stops the throw-away server and deletes the temporary directory; a given database is left as it is. */
    @Override
    public void close() {
        try {
            if (throwAwayServer != null) {
                throwAwayServer.close();
            }
        } finally {
            PostgresServer.deleteRecursively(dataDirectory);
        }
    }

    private static Path createDataDirectory() {
        try {
            return Files.createTempDirectory("asterism-bench-");
        } catch (IOException e) {
            throw new BenchmarkException("cannot create a temporary directory: " + e.getMessage(), e);
        }
    }

    private static String postgresVersion(String jdbcUrl, String user, String password) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password)) {
            return "PostgreSQL " + connection.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            throw new BenchmarkException("cannot connect to the database at " + withoutParameters(jdbcUrl)
                    + ": " + e.getMessage() + " (check the URL, --database-user and ASTERISM_DATABASE_PASSWORD)", e);
        }
    }

    /** The URL without its parameters, which may hold a password. */
    private static String withoutParameters(String jdbcUrl) {
        return jdbcUrl.replaceAll("\\?.*", "");
    }
}
