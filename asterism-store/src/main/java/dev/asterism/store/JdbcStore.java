package dev.asterism.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.asterism.core.audit.AuditKey;
import dev.asterism.core.store.Store;
import dev.asterism.core.store.Transaction;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The store on JDBC: embedded H2 by default, PostgreSQL in production, the same Flyway migrations.
 * Opening it migrates the schema to the newest version.
 */
public final class JdbcStore implements Store {
    private final HikariDataSource dataSource;
    private final String description;
    private final AuditKey auditKey;
    /**
     * One permit per pooled connection, taken before a connection is asked for. Waiters then park here rather than in
     * the pool: HikariCP hands a returned connection to a waiting thread in a loop that, on a virtual thread whose
     * interrupt flag is set (a server stopping interrupts its reconcilers' steps), never yields its carrier, and with
     * as many such threads as cores the waiters it is waiting for never run.
     */
    private final Semaphore connections;
    private final long connectionTimeoutMillis;

    private JdbcStore(HikariDataSource dataSource, String description, AuditKey auditKey) {
        this.dataSource = dataSource;
        this.description = description;
        this.auditKey = auditKey;
        this.connections = new Semaphore(dataSource.getMaximumPoolSize());
        this.connectionTimeoutMillis = dataSource.getConnectionTimeout();
    }

    /**
     * An embedded H2 database in {@code directory}, created when missing. Every commit is written to the file before
     * the transaction returns ({@code WRITE_DELAY=0}; H2's default keeps commits in memory for up to half a second),
     * so an answer the server gave survives a kill of its process. The files are opened through H2's {@code retry:}
     * file system: with a plain file channel, a thread interrupted while it writes (a request thread that Jetty stops,
     * a reconciler pass cut short) closes the channel and with it the whole database for every other thread.
     */
    public static JdbcStore h2(Path directory) {
        return h2(directory, null);
    }

    /** {@link #h2(Path)} sealing the audit chain with {@code auditKey} (none when null). */
    public static JdbcStore h2(Path directory, AuditKey auditKey) {
        String url = h2Url(directory) + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0";
        return open(url, "sa", "", "H2 database in " + directory.toAbsolutePath(), auditKey);
    }

    /**
     * The JDBC URL of the H2 database in {@code directory}, for tools that open it beside a server: within one JVM the
     * same URL shares the server's open database, where another spelling of the path is refused as in use.
     */
    public static String h2Url(Path directory) {
        return "jdbc:h2:retry:" + directory.toAbsolutePath().resolve("asterism");
    }

    /** An H2 database in memory, gone when closed: for tests. */
    public static JdbcStore h2InMemory(String name) {
        return open("jdbc:h2:mem:" + name, "sa", "", "H2 in memory");
    }

    /**
     * Any JDBC database with a driver on the class path (H2, PostgreSQL).
     *
     * @throws StoreException with a message saying what to check when it cannot be opened or migrated
     */
    public static JdbcStore open(String url, String user, String password, String description) {
        return open(url, user, password, description, null);
    }

    /** {@link #open(String, String, String, String)} sealing the audit chain with {@code auditKey} (none when null). */
    public static JdbcStore open(String url, String user, String password, String description, AuditKey auditKey) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(url.startsWith("jdbc:h2:") ? 16 : 32);
        config.setPoolName("asterism-store");
        config.setAutoCommit(false);
        config.setInitializationFailTimeout(-1);
        // A database that does not answer fails the start, and a request, within seconds rather than half a minute.
        config.setConnectionTimeout(10_000);
        HikariDataSource dataSource = new HikariDataSource(config);
        try {
            acceptRewordedMigrations(dataSource);
            Flyway.configure().dataSource(dataSource).locations("classpath:db/migration").load().migrate();
        } catch (RuntimeException e) {
            dataSource.close();
            throw new StoreException("cannot open the database at " + withoutSecrets(url) + ": " + rootMessage(e)
                    + " (check the URL, that the server runs, and the user's rights)", e);
        }
        return new JdbcStore(dataSource, description, auditKey);
    }

    /**
     * Migrations whose comments were reworded after databases applied them: the version, the checksum Flyway recorded
     * for the old text, and the checksum of the text now. The schema they make is the same, so a database that holds
     * the old checksum is given the new one before Flyway validates; any other checksum still fails validation.
     */
    private static final List<long[]> REWORDED = List.of(new long[] {4, -798_674_876L, -1_227_345_255L});

    private static void acceptRewordedMigrations(DataSource dataSource) {
        try (Connection connection = dataSource.getConnection()) {
            try (ResultSet tables = connection.getMetaData().getTables(null, connection.getSchema(),
                    "flyway_schema_history", new String[] {"TABLE"})) {
                if (!tables.next()) {
                    return;
                }
            }
            try (PreparedStatement update = connection.prepareStatement("UPDATE \"flyway_schema_history\" SET"
                    + " \"checksum\" = ? WHERE \"version\" = ? AND \"checksum\" = ?")) {
                for (long[] migration : REWORDED) {
                    update.setInt(1, (int) migration[2]);
                    update.setString(2, Long.toString(migration[0]));
                    update.setInt(3, (int) migration[1]);
                    update.executeUpdate();
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new StoreException("cannot read the database's record of migrations: " + e.getMessage(), e);
        }
    }

    @Override
    public <T> T call(Function<Transaction, T> work) {
        try {
            if (!connections.tryAcquire(connectionTimeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new StoreException("database unavailable: all " + dataSource.getMaximumPoolSize()
                        + " connections stayed busy for " + connectionTimeoutMillis + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("database call interrupted", e);
        }
        try {
            return inTransaction(work);
        } finally {
            connections.release();
        }
    }

    private <T> T inTransaction(Function<Transaction, T> work) {
        try (Connection connection = dataSource.getConnection()) {
            try {
                T result = work.apply(new JdbcTransaction(new Sql(connection), auditKey));
                connection.commit();
                return result;
            } catch (RuntimeException | Error e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("database unavailable: " + e.getMessage(), e);
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() {
        dataSource.close();
    }

    private static String withoutSecrets(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage();
    }
}
