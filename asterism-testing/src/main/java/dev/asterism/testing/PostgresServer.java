package dev.asterism.testing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real, throw-away PostgreSQL server that a test starts itself, with nothing but the JDK
 * and the PostgreSQL binaries of the machine ({@code /usr/lib/postgresql/VERSION/bin}).
 *
 * <p>Most tests use {@link #shared()}: one server per JVM, started on first use and stopped
 * by a shutdown hook, in which each test takes a {@link #createDatabase() fresh database}.
 * A test about the server itself can {@link #start()} a private one and {@link #close()} it.
 *
 * <p>Each server lives in its own directory {@code /tmp/asterism-pg-<random>} (data, Unix
 * socket, log), listens on 127.0.0.1 at a free port, trusts every local connection and runs
 * with fsync off: it is fast and must never hold anything worth keeping. Because PostgreSQL
 * refuses to run as root, a JVM running as root runs the server as the {@code postgres}
 * user through {@code runuser}. Starting a server first stops and deletes the servers and
 * directories left behind by JVMs that died without running their shutdown hook; servers of
 * JVMs that are still running (parallel builds, other developers) are left alone.
 *
 * <p>When the environment variable {@code ASTERISM_TEST_DATABASE_URL} holds the JDBC URL of
 * an existing database (with {@code ASTERISM_TEST_DATABASE_USER} and
 * {@code ASTERISM_TEST_DATABASE_PASSWORD}), {@link #shared()} starts nothing and
 * {@link #createDatabase()} returns that database every time: the tests of that JVM then
 * share one database and must not assume it is empty.
 *
 * <p>Every failure to provide a server is an {@link AssertionError} with a message that says
 * what to do, so that a test needing PostgreSQL fails loudly instead of being skipped.
 */
public final class PostgresServer implements AutoCloseable {

    /**
     * How to reach one database.
     *
     * @param jdbcUrl  {@code jdbc:postgresql://127.0.0.1:PORT/NAME}
     * @param user     the role to log in as, a superuser on a local server
     * @param password any value works on a local server, which trusts local connections
     */
    public record Database(String jdbcUrl, String user, String password) {
        public Database {
            requireNonNull(jdbcUrl, "jdbcUrl is null");
            requireNonNull(user, "user is null");
            requireNonNull(password, "password is null");
        }

        @Override
        public String toString() {
            return "Database[jdbcUrl=" + jdbcUrl + ", user=" + user + "]";
        }
    }

    static final String DIRECTORY_PREFIX = "asterism-pg-";
    static final String OWNER_FILE = "owner";
    static final String HOST = "127.0.0.1";
    static final String SUPERUSER = "asterism";

    private static final String INSTALL_HINT =
            "PostgreSQL is not installed: run `apt-get install -y postgresql` (./test installs it for you)";
    private static final Path TEMPORARY_DIRECTORY = Path.of("/tmp");
    private static final Path INSTALLATIONS = Path.of("/usr/lib/postgresql");
    private static final String SERVER_USER = "postgres";
    private static final String PASSWORD = "asterism";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LEFTOVER_STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);
    // A directory without an owner file is only being set up if it is this young.
    private static final Duration SETUP_GRACE = Duration.ofMinutes(1);
    private static final int PORT_ATTEMPTS = 5;
    private static final int LOG_TAIL_LINES = 40;

    private static PostgresServer shared; // guarded by PostgresServer.class
    private static AssertionError sharedFailure; // guarded by PostgresServer.class

    // Set when this object stands for an existing server named in the environment; the
    // fields below are then unused.
    private final Database externalDatabase;
    private final Path binaries;
    private final Path directory;
    private final int port;
    private final Process process;
    private final long postmasterPid;
    private final AtomicInteger databases = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();

    private PostgresServer(Database externalDatabase) {
        this.externalDatabase = externalDatabase;
        this.binaries = null;
        this.directory = null;
        this.port = -1;
        this.process = null;
        this.postmasterPid = -1;
    }

    private PostgresServer(Path binaries, Path directory, int port, Process process, long postmasterPid) {
        this.externalDatabase = null;
        this.binaries = binaries;
        this.directory = directory;
        this.port = port;
        this.process = process;
        this.postmasterPid = postmasterPid;
    }

    /**
     * The server of this JVM: the one named by {@code ASTERISM_TEST_DATABASE_URL} if set,
     * otherwise a local server started on the first call and stopped when the JVM exits.
     *
     * @throws AssertionError if PostgreSQL is not installed or the server does not start;
     *                        later calls fail at once with the same cause
     */
    public static synchronized PostgresServer shared() {
        if (shared != null) {
            return shared;
        }
        if (sharedFailure != null) {
            throw new AssertionError("the shared PostgreSQL server failed to start earlier in this JVM", sharedFailure);
        }
        try {
            PostgresServer server = fromEnvironment().orElseGet(PostgresServer::start);
            Runtime.getRuntime().addShutdownHook(new Thread(server::close, "asterism-postgres-stop"));
            shared = server;
            return server;
        } catch (AssertionError e) {
            sharedFailure = e;
            throw e;
        }
    }

    /**
     * Starts a private local server, whatever the environment says; the caller must
     * {@link #close()} it. On failure nothing is left behind.
     *
     * @throws AssertionError if PostgreSQL is not installed or the server does not start
     */
    public static PostgresServer start() {
        Path binaries = locateBinaries();
        boolean root = runningAsRoot();
        removeLeftovers();
        Path directory = createDirectory(root);
        try {
            Path data = directory.resolve("data");
            Result initdb = run(directory, asServerUser(root, List.of(
                    binaries.resolve("initdb").toString(), "-D", data.toString(), "-A", "trust",
                    "-U", SUPERUSER, "-E", "UTF8", "--no-locale", "--no-sync")));
            if (initdb.exitCode() != 0) {
                throw new AssertionError("initdb failed with exit code " + initdb.exitCode() + ":\n" + initdb.output());
            }
            return launch(binaries, directory, root);
        } catch (RuntimeException | Error e) {
            deleteQuietly(directory);
            throw e;
        }
    }

    /**
     * Creates a new, empty database with a name unique on this server. On a server named by
     * {@code ASTERISM_TEST_DATABASE_URL}, returns that one database instead.
     *
     * @throws AssertionError        if {@code createdb} fails
     * @throws IllegalStateException if this server is closed
     */
    public Database createDatabase() {
        if (externalDatabase != null) {
            return externalDatabase;
        }
        if (closed.get()) {
            throw new IllegalStateException("PostgreSQL server in " + directory + " is closed");
        }
        String name = "asterism_test_" + databases.incrementAndGet();
        Result createdb = run(directory, List.of(binaries.resolve("createdb").toString(),
                "-h", HOST, "-p", Integer.toString(port), "-U", SUPERUSER, name));
        if (createdb.exitCode() != 0) {
            throw new AssertionError("createdb " + name + " failed with exit code " + createdb.exitCode()
                    + ":\n" + createdb.output() + "\nserver log:\n" + tail(directory.resolve("postgres.log")));
        }
        return new Database("jdbc:postgresql://" + HOST + ":" + port + "/" + name, SUPERUSER, PASSWORD);
    }

    /**
     * Stops the server (a fast shutdown: open connections are cut) and deletes its
     * directory. Does nothing for a server named by the environment, or when already closed.
     *
     * @throws UncheckedIOException if the directory cannot be deleted
     */
    @Override
    public void close() {
        if (externalDatabase != null || !closed.compareAndSet(false, true)) {
            return;
        }
        stopPostmaster(postmasterPid, STOP_TIMEOUT);
        // As root the JVM's child is runuser, which exits once the postmaster has.
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteRecursively(directory);
    }

    /** The TCP port on 127.0.0.1; only for a local server. */
    int port() {
        requireLocal();
        return port;
    }

    /** The directory holding data, socket and log; only for a local server. */
    Path directory() {
        requireLocal();
        return directory;
    }

    /** The process id of the postmaster; only for a local server. */
    long postmasterPid() {
        requireLocal();
        return postmasterPid;
    }

    /** A PostgreSQL program of the installation this server runs, such as {@code psql}. */
    Path binary(String name) {
        requireLocal();
        return binaries.resolve(name);
    }

    boolean isExternal() {
        return externalDatabase != null;
    }

    private void requireLocal() {
        if (externalDatabase != null) {
            throw new IllegalStateException("the PostgreSQL server is the one named by ASTERISM_TEST_DATABASE_URL");
        }
    }

    private static Optional<PostgresServer> fromEnvironment() {
        String url = System.getenv("ASTERISM_TEST_DATABASE_URL");
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        String user = Optional.ofNullable(System.getenv("ASTERISM_TEST_DATABASE_USER")).orElse(SUPERUSER);
        String password = Optional.ofNullable(System.getenv("ASTERISM_TEST_DATABASE_PASSWORD")).orElse("");
        return Optional.of(new PostgresServer(new Database(url, user, password)));
    }

    private static Path locateBinaries() {
        List<Path> installations = new ArrayList<>();
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(INSTALLATIONS)) {
            for (Path version : versions) {
                if (version.getFileName().toString().matches("\\d+(\\.\\d+)*")
                        && Files.isExecutable(version.resolve("bin/initdb"))) {
                    installations.add(version.resolve("bin"));
                }
            }
        } catch (NoSuchFileException e) {
            throw new AssertionError(INSTALL_HINT);
        } catch (IOException e) {
            throw new AssertionError(INSTALL_HINT + " (cannot list " + INSTALLATIONS + ": " + e + ")", e);
        }
        return installations.stream()
                .max(Comparator.comparing((Path bin) -> Runtime.Version.parse(bin.getParent().getFileName().toString())))
                .orElseThrow(() -> new AssertionError(INSTALL_HINT));
    }

    private static boolean runningAsRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private static List<String> asServerUser(boolean root, List<String> command) {
        if (!root) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(runuser(), "-u", SERVER_USER, "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String runuser() {
        return Stream.of("/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser")
                .filter(candidate -> Files.isExecutable(Path.of(candidate)))
                .findFirst()
                .orElse("runuser");
    }

    private static Path createDirectory(boolean root) {
        try {
            Path directory = Files.createTempDirectory(TEMPORARY_DIRECTORY, DIRECTORY_PREFIX);
            ProcessHandle self = ProcessHandle.current();
            Files.writeString(directory.resolve(OWNER_FILE), self.pid() + " " + startMillis(self).orElse(0L) + "\n");
            if (root) {
                UserPrincipalLookupService users = directory.getFileSystem().getUserPrincipalLookupService();
                PosixFileAttributeView view = Files.getFileAttributeView(directory, PosixFileAttributeView.class);
                try {
                    view.setOwner(users.lookupPrincipalByName(SERVER_USER));
                    view.setGroup(users.lookupPrincipalByGroupName(SERVER_USER));
                } catch (IOException e) {
                    deleteQuietly(directory);
                    throw new AssertionError("PostgreSQL refuses to run as root and there is no user `" + SERVER_USER
                            + "` to run it as (" + e + "): run `apt-get install -y postgresql`, which creates it", e);
                }
            }
            return directory;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a directory for PostgreSQL in " + TEMPORARY_DIRECTORY, e);
        }
    }

    private static PostgresServer launch(Path binaries, Path directory, boolean root) {
        Path log = directory.resolve("postgres.log");
        for (int attempt = 1; ; attempt++) {
            int port = freePort();
            long logStart = sizeOf(log);
            Process process;
            try {
                process = cleanEnvironment(new ProcessBuilder(asServerUser(root, List.of(
                        binaries.resolve("postgres").toString(), "-D", directory.resolve("data").toString(),
                        "-p", Integer.toString(port), "-k", directory.toString(),
                        "-c", "listen_addresses=" + HOST, "-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off", "-c", "max_connections=200"))))
                        .directory(directory.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
            } catch (IOException e) {
                throw new AssertionError("cannot run " + binaries.resolve("postgres") + ": " + e, e);
            }
            Instant deadline = Instant.now().plus(READY_TIMEOUT);
            while (true) {
                if (!process.isAlive()) {
                    String output = readFrom(log, logStart);
                    // Another process took the port between our probe and the server's bind.
                    if (output.contains("could not bind") && attempt < PORT_ATTEMPTS) {
                        break;
                    }
                    throw new AssertionError("PostgreSQL exited with code " + process.exitValue()
                            + " while starting; the end of " + log + ":\n" + tail(log));
                }
                if (isReady(binaries, directory, port)) {
                    Optional<Long> pid = readPostmasterPid(directory);
                    if (pid.isPresent() && process.isAlive()) {
                        return new PostgresServer(binaries, directory, port, process, pid.get());
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    readPostmasterPid(directory).ifPresent(pid -> stopPostmaster(pid, STOP_TIMEOUT));
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                    throw new AssertionError("PostgreSQL did not accept connections within " + READY_TIMEOUT.toSeconds()
                            + " s; the end of " + log + ":\n" + tail(log));
                }
                sleep(Duration.ofMillis(100));
            }
        }
    }

    private static boolean isReady(Path binaries, Path directory, int port) {
        return run(directory, List.of(binaries.resolve("pg_isready").toString(), "-q", "-t", "1",
                "-h", HOST, "-p", Integer.toString(port), "-U", SUPERUSER, "-d", "postgres")).exitCode() == 0;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free port on " + HOST, e);
        }
    }

    private static Optional<Long> readPostmasterPid(Path directory) {
        try {
            List<String> lines = Files.readAllLines(directory.resolve("data/postmaster.pid"));
            return lines.isEmpty() ? Optional.empty() : Optional.of(Long.parseLong(lines.getFirst().trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Asks a postmaster for a fast shutdown (SIGINT: open sessions are cut, as a smart
     * shutdown would wait for connection pools that are never closed), and kills it with
     * its backends if it has not stopped within the timeout.
     */
    private static void stopPostmaster(long pid, Duration timeout) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (handle.isEmpty()) {
            return;
        }
        Result signal = run(null, List.of("kill", "-INT", Long.toString(pid)));
        if (signal.exitCode() != 0) {
            handle.get().destroy();
        }
        if (!awaitExit(handle.get(), timeout)) {
            handle.get().descendants().forEach(ProcessHandle::destroyForcibly);
            handle.get().destroyForcibly();
            awaitExit(handle.get(), timeout);
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) {
        try {
            handle.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException | ExecutionException e) {
            return !handle.isAlive();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return !handle.isAlive();
        }
    }

    /**
     * Stops and deletes what JVMs that died without their shutdown hook left in
     * {@code /tmp/asterism-pg-*}. A directory is left over when the JVM named in its owner
     * file is gone; a postmaster is stopped only if its command line names the directory, so
     * that a recycled process id is never hit.
     */
    private static void removeLeftovers() {
        try (DirectoryStream<Path> directories = Files.newDirectoryStream(TEMPORARY_DIRECTORY, DIRECTORY_PREFIX + "*")) {
            for (Path directory : directories) {
                if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) && isLeftover(directory)) {
                    readPostmasterPid(directory)
                            .filter(pid -> commandLine(pid).contains(directory.toString()))
                            .ifPresent(pid -> stopPostmaster(pid, LEFTOVER_STOP_TIMEOUT));
                    deleteQuietly(directory);
                }
            }
        } catch (IOException e) {
            System.err.println("PostgresServer: cannot look for leftovers in " + TEMPORARY_DIRECTORY + ": " + e);
        }
    }

    private static boolean isLeftover(Path directory) {
        try {
            String[] owner = Files.readString(directory.resolve(OWNER_FILE)).trim().split(" ");
            long pid = Long.parseLong(owner[0]);
            long startMillis = Long.parseLong(owner[1]);
            Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            return process.isEmpty() || startMillis(process.get()).map(start -> start != startMillis).orElse(false);
        } catch (AccessDeniedException e) {
            // Another user's server, for instance one run as root: not ours to judge.
            return false;
        } catch (NoSuchFileException e) {
            try {
                FileTime modified = Files.getLastModifiedTime(directory);
                return modified.toInstant().isBefore(Instant.now().minus(SETUP_GRACE));
            } catch (IOException gone) {
                return false;
            }
        } catch (IOException | RuntimeException e) {
            return true;
        }
    }

    private static Optional<Long> startMillis(ProcessHandle process) {
        return process.info().startInstant().map(Instant::toEpochMilli);
    }

    private static String commandLine(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), UTF_8).replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(Path workingDirectory, List<String> command) {
        ProcessBuilder builder = cleanEnvironment(new ProcessBuilder(command)).redirectErrorStream(true);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command.getFirst() + ": " + e, e);
        }
        StringBuilder output = new StringBuilder();
        Thread reader = Thread.ofVirtual().start(() -> output.append(readAll(process.getInputStream())));
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
            // The join makes the reader's output visible here.
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new AssertionError("interrupted while running " + String.join(" ", command), e);
        }
        return new Result(process.exitValue(), output.toString());
    }

    // Variables such as PGOPTIONS or PGSERVICE from the developer's shell must not change
    // what the server or the client programs do.
    private static ProcessBuilder cleanEnvironment(ProcessBuilder builder) {
        builder.environment().keySet().removeIf(name -> name.startsWith("PG"));
        return builder;
    }

    private static String readAll(InputStream input) {
        try (input) {
            return new String(input.readAllBytes(), UTF_8);
        } catch (IOException e) {
            return "(output unreadable: " + e + ")";
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static String readFrom(Path file, long offset) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            int start = (int) Math.min(offset, bytes.length);
            return new String(bytes, start, bytes.length - start, UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    private static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file, UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while waiting for PostgreSQL", e);
        }
    }

    private static void deleteQuietly(Path directory) {
        try {
            deleteRecursively(directory);
        } catch (UncheckedIOException e) {
            System.err.println("PostgresServer: " + e.getMessage());
        }
    }

    /** Deletes a directory tree; one that is already gone is fine. @throws UncheckedIOException otherwise */
    public static void deleteRecursively(Path directory) {
        try {
            Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path visited, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    Files.deleteIfExists(visited);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // Already gone: nothing to delete.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory, e);
        }
    }
}
