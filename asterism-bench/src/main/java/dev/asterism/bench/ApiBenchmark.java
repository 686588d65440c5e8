package dev.asterism.bench;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.core.auth.PasswordHasher;
import dev.asterism.core.auth.Secrets;
import dev.asterism.core.vm.VmState;
import dev.asterism.server.AsterismServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code asterism bench api}: requests per second and latency percentiles of the REST API for login, VM start and
 * VM list, at several concurrencies, on H2 and on PostgreSQL, and the cost of one audit event.
 *
 * <p>Each database gets a fresh server in this JVM on a loopback port, with the production password hashing
 * ({@link PasswordHasher#DEFAULT}: login cost is part of what is measured) and the {@code sim} realm without
 * delays, so that what is measured is the control plane and not a pretend hypervisor. Client and server share
 * the machine's cores. Before each measured row a warm-up of the same operation and concurrency runs unmeasured.
 *
 * <p>A benchmark, not a test: it asserts nothing about time. It reports errors, and {@link #run()} answers
 * whether there were any.
 */
public final class ApiBenchmark {

    /** The databases the benchmark can run on. */
    public enum Database {
        H2("h2"),
        POSTGRES("postgres");

        private final String wireName;

        Database(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    /**
     * What to run.
     *
     * @param databases the databases to run on, in this order
     * @param databaseUrl a PostgreSQL database to use instead of a throw-away server, or null; it should be empty
     *     (the benchmark needs to set the admin password, and it leaves users, VMs and audit events behind)
     * @param databaseUser the user of {@code databaseUrl}
     * @param databasePassword the password of {@code databaseUrl}, or null
     * @param requests measured requests per row for VM start and VM list
     * @param loginRequests measured requests per row for login, fewer since each one hashes a password
     * @param concurrencies the concurrencies to measure each operation at
     * @param auditEvents measured audit appends per row
     */
    public record Settings(
            List<Database> databases,
            String databaseUrl,
            String databaseUser,
            String databasePassword,
            int requests,
            int loginRequests,
            List<Integer> concurrencies,
            int auditEvents) {

        public Settings {
            databases = List.copyOf(requireNonNull(databases, "databases is null"));
            concurrencies = List.copyOf(requireNonNull(concurrencies, "concurrencies is null"));
            if (databases.isEmpty()) {
                throw new IllegalArgumentException("at least one database is needed");
            }
            if (concurrencies.isEmpty() || concurrencies.stream().anyMatch(concurrency -> concurrency < 1)) {
                throw new IllegalArgumentException("concurrencies must be 1 or more, not " + concurrencies);
            }
            if (requests < 1 || loginRequests < 1 || auditEvents < 1) {
                throw new IllegalArgumentException("request and event counts must be 1 or more");
            }
            if (databaseUrl != null) {
                requireNonNull(databaseUser, "databaseUser is null");
            }
        }

        public static final List<Integer> DEFAULT_CONCURRENCIES = List.of(1, 16, 64);
        public static final int DEFAULT_REQUESTS = 400;
        public static final int DEFAULT_LOGIN_REQUESTS = 100;
        public static final int DEFAULT_AUDIT_EVENTS = 2000;
    }

    // Logins spread over several users, as they would be; all of them succeed, so the login throttle, which
    // counts failures only, never acts.
    private static final int USERS = 16;
    private static final List<Integer> AUDIT_THREADS = List.of(1, 16);
    private static final String BRICK = "worker";
    // Bounds that keep a hanging server from holding the benchmark forever.
    private static final Duration ROW_TIME_LIMIT = Duration.ofMinutes(2);
    private static final Duration SETTLE_TIME_LIMIT = Duration.ofMinutes(2);

    private final Settings settings;
    private final PrintWriter out;
    private final PrintWriter progress;

    /**
     * @param out where the results go
     * @param progress where the benchmark says what it is doing, so that a long run does not look stuck
     */
    public ApiBenchmark(Settings settings, PrintWriter out, PrintWriter progress) {
        this.settings = requireNonNull(settings, "settings is null");
        this.out = requireNonNull(out, "out is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * Runs the benchmark on every database of the settings and prints a table for each.
     *
     * @return true when every request succeeded and the audit chain verified
     * @throws BenchmarkException when a database or a server could not be set up
     */
    public boolean run() {
        printEnvironment();
        boolean clean = true;
        for (Database database : settings.databases()) {
            try (BenchDatabase benchDatabase = BenchDatabase.open(database, settings)) {
                clean &= runOn(benchDatabase);
            }
        }
        return clean;
    }

    private void printEnvironment() {
        BenchEnvironment.print(out, "Asterism API benchmark");
        out.println("server: in this JVM, on loopback; sim realm without delays; passwords hashed with Argon2id,"
                + " 19 MiB, 2 passes");
        out.println("load:   closed loop from virtual threads; an unmeasured warm-up of max(concurrency, requests/10)"
                + " before each row");
        out.println("rows:   login " + settings.loginRequests() + ", vm start and vm list " + settings.requests()
                + ", audit append " + settings.auditEvents() + " measured per row");
        out.flush();
    }

    private boolean runOn(BenchDatabase database) {
        String name = database.kind().wireName();
        say(name + ": starting a server on " + database.description());
        String adminPassword = Secrets.newSecret("bench-");
        AsterismServer server = database.startServer(adminPassword, "zero");
        HttpClient http = BenchClient.newHttpClient();
        try (server; http) {
            return new Run(name, server, new BenchClient(http, server.url()), adminPassword, database).measure();
        }
    }

    private void say(String message) {
        progress.println(message);
        progress.flush();
    }

    /** One database's run: its server, its users and its results. */
    private final class Run {
        private final String database;
        private final AsterismServer server;
        private final BenchClient client;
        private final String adminPassword;
        private final BenchDatabase benchDatabase;
        private final ResultTable table = new ResultTable();
        private final AtomicInteger vmNames = new AtomicInteger();
        private final String userPassword = Secrets.newSecret("bench-");
        private String adminToken;
        private boolean clean = true;

        Run(String database, AsterismServer server, BenchClient client, String adminPassword,
                BenchDatabase benchDatabase) {
            this.database = database;
            this.server = server;
            this.client = client;
            this.adminPassword = adminPassword;
            this.benchDatabase = benchDatabase;
        }

        boolean measure() {
            setUp();
            for (int concurrency : settings.concurrencies()) {
                row("login", concurrency, settings.loginRequests(), number ->
                        client.createToken(userName(number), userPassword, "bench-" + number));
            }
            for (int concurrency : settings.concurrencies()) {
                row("vm start", concurrency, settings.requests(), number ->
                        client.startVm(adminToken, "bench-" + vmNames.incrementAndGet(), BRICK));
            }
            String inventory = settle();
            for (int concurrency : settings.concurrencies()) {
                row("vm list", concurrency, settings.requests(), number -> client.listVms(adminToken));
            }
            double[] microsecondsPerEvent = new double[AUDIT_THREADS.size()];
            for (int index = 0; index < AUDIT_THREADS.size(); index++) {
                Measurement measurement = row("audit append", AUDIT_THREADS.get(index), settings.auditEvents(),
                        number -> server.store().run(transaction -> transaction.audit().append("bench",
                                "bench.audit-append", "bench:" + number, Map.of("number", Integer.toString(number)),
                                Instant.now())));
                microsecondsPerEvent[index] = 1e6 / measurement.requestsPerSecond();
            }
            String chain = verifyAuditChain();

            out.println();
            out.println(database + ": " + benchDatabase.description());
            table.print(out);
            out.println("vm list: " + inventory);
            StringBuilder audit = new StringBuilder("audit: ");
            for (int index = 0; index < AUDIT_THREADS.size(); index++) {
                if (index > 0) {
                    audit.append(", ");
                }
                int threads = AUDIT_THREADS.get(index);
                audit.append(ResultTable.format(microsecondsPerEvent[index])).append(" µs per event with ")
                        .append(threads).append(threads == 1 ? " thread" : " threads");
            }
            out.println(audit.append(" (append and commit through the store, one transaction per event)"));
            out.println("audit chain after the run: " + chain);
            out.flush();
            return clean;
        }

        private void setUp() {
            say(database + ": creating " + USERS + " users");
            try {
                adminToken = client.createToken(AsterismServer.ADMIN_USER, adminPassword, "bench-admin");
                for (int user = 0; user < USERS; user++) {
                    client.createUser(adminToken, userName(user), userPassword);
                }
            } catch (IOException e) {
                throw new BenchmarkException(database + ": setting up the users failed: " + e.getMessage()
                        + " (a database named with --database-url must be empty)", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException(database + ": interrupted while setting up", e);
            }
        }

        private Measurement row(String operation, int concurrency, int requests, Load.Request request) {
            say(database + ": " + operation + ", concurrency " + concurrency);
            int warmUp = Math.max(concurrency, requests / 10);
            Measurement warmUpMeasurement = Load.run(operation, concurrency, warmUp, ROW_TIME_LIMIT, request);
            report(warmUpMeasurement, "warm-up of ");
            Measurement measurement = Load.run(operation, concurrency, requests, ROW_TIME_LIMIT, request);
            report(measurement, "");
            if (measurement.requests() < requests) {
                clean = false;
                out.println(database + ": " + operation + " at concurrency " + concurrency + " stopped after "
                        + ROW_TIME_LIMIT.toSeconds() + " s with " + measurement.requests() + " of " + requests
                        + " requests sent");
            }
            table.add(database, measurement);
            return measurement;
        }

        private void report(Measurement measurement, String what) {
            measurement.firstError().ifPresent(error -> {
                clean = false;
                out.println(database + ": " + what + measurement.operation() + " at concurrency "
                        + measurement.concurrency() + ": " + measurement.errors() + " of " + measurement.requests()
                        + " requests failed; the first: " + error);
                out.flush();
            });
        }

        /**
         * Waits until the reconciler has brought every started VM to RUNNING, so that listing does not compete
         * with it, and says how many VMs the list holds.
         */
        private String settle() {
            int started = vmNames.get();
            say(database + ": waiting for " + started + " VMs to run");
            long begin = System.nanoTime();
            long deadline = begin + SETTLE_TIME_LIMIT.toNanos();
            while (server.vmsIn(VmState.RUNNING) < started && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(Duration.ofMillis(100));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new BenchmarkException(database + ": interrupted while waiting for VMs", e);
                }
            }
            long running = server.vmsIn(VmState.RUNNING);
            double seconds = (System.nanoTime() - begin) / 1e9;
            String listed;
            try {
                listed = Integer.toString(client.countVms(adminToken));
            } catch (IOException e) {
                clean = false;
                listed = "unknown (" + e.getMessage() + ")";
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException(database + ": interrupted while counting VMs", e);
            }
            if (running < started) {
                clean = false;
            }
            return "each answer lists " + listed + " VMs; " + running + " of " + started + " started VMs were RUNNING "
                    + String.format(Locale.ROOT, "%.1f", seconds) + " s after the last vm start was answered";
        }

        private String verifyAuditChain() {
            say(database + ": verifying the audit chain");
            try {
                JsonNode verification = client.verifyAudit(adminToken);
                if (verification.path("valid").asBoolean()) {
                    return "valid, " + verification.path("events").asLong() + " events";
                }
                clean = false;
                return "INVALID: " + verification;
            } catch (IOException e) {
                clean = false;
                return "not verified: " + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException(database + ": interrupted while verifying the audit chain", e);
            }
        }

        private static String userName(int number) {
            return "bench-user-" + (number % USERS);
        }
    }
}
