package dev.asterism.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.testing.PostgresServer.Database;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

class PostgresServerTest {

    /**
     * When this names an existing server, {@link PostgresServer#shared()} hands out that server and starts none, so
     * the two tests of the shared local server do not apply; CI never sets it, so CI runs them. Tests of a private
     * server ({@link PostgresServer#start()}) run always.
     */
    private static final String EXTERNAL = "ASTERISM_TEST_DATABASE_URL";

    @Test
    @DisabledIfEnvironmentVariable(named = EXTERNAL, matches = ".+", disabledReason = "uses the server named by " + EXTERNAL)
    void shared_server_creates_distinct_empty_databases() throws Exception {
        PostgresServer server = PostgresServer.shared();

        Database first = server.createDatabase();
        Database second = server.createDatabase();

        assertThat(first.jdbcUrl()).startsWith("jdbc:postgresql://127.0.0.1:" + server.port() + "/");
        assertThat(first.user()).isEqualTo("asterism");
        assertThat(databaseName(first)).isNotEqualTo(databaseName(second));
        for (Database database : List.of(first, second)) {
            assertThat(psql(server, databaseName(database), "select 1")).isEqualTo("1");
            assertThat(psql(server, databaseName(database), "select count(*) from pg_tables where schemaname = 'public'"))
                    .isEqualTo("0");
        }
    }

    @Test
    void shared_is_one_server_per_jvm() {
        assertThat(PostgresServer.shared()).isSameAs(PostgresServer.shared());
    }

    @Test
    void closing_a_private_server_leaves_no_process_and_no_directory() throws Exception {
        PostgresServer server = PostgresServer.start();
        long pid = server.postmasterPid();
        Path directory = server.directory();
        try {
            assertThat(ProcessHandle.of(pid)).hasValueSatisfying(process -> assertThat(process.isAlive()).isTrue());
            assertThat(psql(server, "postgres", "select 1")).isEqualTo("1");
            assertThat(directory.getFileName().toString()).startsWith(PostgresServer.DIRECTORY_PREFIX);
        } finally {
            server.close();
        }

        assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).isEmpty();
        assertThat(directory).doesNotExist();
        assertThat(processesNaming(directory)).isEmpty();
    }

    @Test
    @DisabledIfEnvironmentVariable(named = EXTERNAL, matches = ".+", disabledReason = "uses the server named by " + EXTERNAL)
    void starting_a_server_leaves_the_servers_of_living_jvms_running() throws Exception {
        PostgresServer shared = PostgresServer.shared();
        Database database = shared.createDatabase();

        try (PostgresServer other = PostgresServer.start()) {
            assertThat(other.port()).isNotEqualTo(shared.port());
        }

        assertThat(ProcessHandle.of(shared.postmasterPid()).filter(ProcessHandle::isAlive)).isPresent();
        assertThat(psql(shared, databaseName(database), "select 1")).isEqualTo("1");
    }

    @Test
    void starting_a_server_stops_and_deletes_what_a_crashed_jvm_left_behind() throws Exception {
        PostgresServer crashed = PostgresServer.start();
        long crashedPid = crashed.postmasterPid();
        Path crashedDirectory = crashed.directory();
        try {
            // Pretend that the JVM that started it has died: its owner file names a finished process.
            Process finished = new ProcessBuilder("true").start();
            finished.waitFor(10, TimeUnit.SECONDS);
            Files.writeString(crashedDirectory.resolve(PostgresServer.OWNER_FILE), finished.pid() + " 0\n");

            try (PostgresServer next = PostgresServer.start()) {
                assertThat(ProcessHandle.of(crashedPid).filter(ProcessHandle::isAlive)).isEmpty();
                assertThat(crashedDirectory).doesNotExist();
                assertThat(psql(next, "postgres", "select 1")).isEqualTo("1");
            }
        } finally {
            crashed.close();
        }
        assertThat(processesNaming(crashedDirectory)).isEmpty();
    }

    private static String databaseName(Database database) {
        return database.jdbcUrl().substring(database.jdbcUrl().lastIndexOf('/') + 1);
    }

    private static String psql(PostgresServer server, String database, String sql) throws IOException, InterruptedException {
        Process psql = new ProcessBuilder(server.binary("psql").toString(), "-h", "127.0.0.1", "-p",
                Integer.toString(server.port()), "-U", "asterism", "-d", database, "-tAc", sql)
                .redirectErrorStream(true)
                .start();
        String output = new String(psql.getInputStream().readAllBytes(), UTF_8).trim();
        assertThat(psql.waitFor(30, TimeUnit.SECONDS)).as("psql finished").isTrue();
        assertThat(psql.exitValue()).as("psql exit code, output: %s", output).isZero();
        return output;
    }

    /** Processes whose command line names the directory, such as a postmaster or its backends. */
    private static List<Long> processesNaming(Path directory) throws IOException {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes
                    .filter(path -> path.getFileName().toString().matches("\\d+"))
                    .filter(path -> commandLine(path).contains(directory.toString()))
                    .map(path -> Long.parseLong(path.getFileName().toString()))
                    .toList();
        }
    }

    private static String commandLine(Path process) {
        try {
            return new String(Files.readAllBytes(process.resolve("cmdline")), UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }
}
