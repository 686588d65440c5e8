package dev.asterism.bench;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.core.auth.Secrets;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.realm.qemu.QemuRealm;
import dev.asterism.realm.sim.SimRealm;
import dev.asterism.server.AsterismServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Predicate;

/**
 * {@code asterism bench onboarding}: how fast members of constellations go from the add request to READY, and
 * what that costs the server in CPU and heap.
 *
 * <p>A fresh server runs in this JVM (as for {@code bench api}) with the {@code sim} realm, with or without its
 * realistic delays. Over the REST API as {@code admin}, the benchmark creates the constellations, waits until all
 * are ACTIVE, then adds every constellation's members at once (one thread per constellation, at most 100 members
 * per request) and polls each constellation until every member is READY or FAILED. A member's add-to-READY is the
 * time from sending the request that added it to the first poll that saw it READY; the time spent in each phase
 * comes from the audit log. Then it destroys the constellations and verifies the audit chain.
 *
 * <p>Every sim VM runs the real agent with its TLS connection in this JVM, so the CPU time and heap measured here
 * are those of the server <em>and</em> of its simulated VMs' agents and guests, and of the polling client.
 *
 * <p>A benchmark, not a test: it asserts nothing about time. {@link #run()} answers whether every member became
 * READY within the time limit and everything was cleaned up.
 */
public final class OnboardingBenchmark {

    /**
     * What to run.
     *
     * @param constellations how many constellations to create
     * @param members how many members to add to each
     * @param delays the sim realm's delays: {@code zero} or {@code realistic}
     * @param database the database of the server
     * @param databaseUrl a PostgreSQL database to use instead of a throw-away server, or null
     * @param databaseUser the user of {@code databaseUrl}
     * @param databasePassword the password of {@code databaseUrl}, or null
     * @param timeLimit how long creating the constellations and onboarding their members may take in all
     * @param realm {@code sim}, {@code netns} for real Linux guests in network namespaces of this machine, or
     *     {@code qemu} for real VMs under QEMU
     * @param qemuBrick the Debian brick the qemu realm boots, or null for the other realms
     */
    public record Settings(
            int constellations,
            int members,
            String delays,
            ApiBenchmark.Database database,
            String databaseUrl,
            String databaseUser,
            String databasePassword,
            Duration timeLimit,
            String realm,
            java.nio.file.Path qemuBrick) {

        /** Settings for the sim or netns realm. */
        public Settings(int constellations, int members, String delays, ApiBenchmark.Database database,
                String databaseUrl, String databaseUser, String databasePassword, Duration timeLimit, String realm) {
            this(constellations, members, delays, database, databaseUrl, databaseUser, databasePassword, timeLimit,
                    realm, null);
        }

        /** A constellation's members share one /24 overlay: hosts .10 to .254. */
        public static final int MAX_MEMBERS = 245;
        public static final int MAX_CONSTELLATIONS = 1000;
        public static final Duration DEFAULT_TIME_LIMIT = Duration.ofMinutes(20);

        public Settings {
            requireNonNull(delays, "delays is null");
            requireNonNull(database, "database is null");
            requireNonNull(timeLimit, "timeLimit is null");
            if (constellations < 1 || constellations > MAX_CONSTELLATIONS) {
                throw new IllegalArgumentException("constellations must be from 1 to " + MAX_CONSTELLATIONS + ", not "
                        + constellations);
            }
            if (members < 1 || members > MAX_MEMBERS) {
                throw new IllegalArgumentException("members must be from 1 to " + MAX_MEMBERS
                        + " (one overlay /24 per constellation), not " + members);
            }
            if (!delays.equals("zero") && !delays.equals("realistic")) {
                throw new IllegalArgumentException("delays must be zero or realistic, not '" + delays + "'");
            }
            if (!"sim".equals(realm) && !"netns".equals(realm) && !"qemu".equals(realm)) {
                throw new IllegalArgumentException("realm must be sim, netns or qemu, not '" + realm + "'");
            }
            if ("qemu".equals(realm) && qemuBrick == null) {
                throw new IllegalArgumentException("the qemu realm needs a brick: --qemu-brick DIR");
            }
            if (timeLimit.isNegative() || timeLimit.isZero()) {
                throw new IllegalArgumentException("timeLimit must be positive, not " + timeLimit);
            }
            if (databaseUrl != null) {
                requireNonNull(databaseUser, "databaseUser is null");
                if (database != ApiBenchmark.Database.POSTGRES) {
                    throw new IllegalArgumentException("a database URL names a PostgreSQL database");
                }
            }
        }
    }

    /** The prefix of the qemu realm's processes, bridges and taps during a benchmark, cleared before and after. */
    static final String QEMU_PREFIX = "astbq";
    /** The prefix of the netns realm's namespaces during a benchmark, cleared before and after. */
    static final String NETNS_PREFIX = "astbench";
    static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);
    private static final Duration DESTROY_TIME_LIMIT = Duration.ofMinutes(10);
    private static final String CONTROLLER_BRICK = "controller";
    private static final String WORKER_BRICK = "worker";
    private static final int MAX_ADD = 100;
    private static final int AUDIT_PAGE = 1000;
    private static final List<String> ONBOARDING_PHASES =
            List.of("REQUEST_VM", "OPEN_PORTS", "INJECT", "JOIN", "VPN", "CLOSE_PORTS");
    // The audit events that start a phase of a member: added (REQUEST_VM), each later phase, and the ends.
    private static final List<String> MEMBER_ACTIONS =
            List.of("member.added", "member.phase", "member.ready", "member.failing", "member.failed");

    private final Settings settings;
    private final PrintWriter out;
    private final PrintWriter progress;

    /**
     * @param out where the results go
     * @param progress where the benchmark says what it is doing, so that a long run does not look stuck
     */
    public OnboardingBenchmark(Settings settings, PrintWriter out, PrintWriter progress) {
        this.settings = requireNonNull(settings, "settings is null");
        this.out = requireNonNull(out, "out is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /**
     * Runs the benchmark and prints its results.
     *
     * @return true when every member became READY, the constellations were destroyed without leaving a VM behind
     *     and the audit chain verified
     * @throws BenchmarkException when the database or the server could not be set up, or the API refused a request
     */
    public boolean run() {
        BenchEnvironment.print(out, "Asterism onboarding benchmark");
        out.println(switch (settings.realm()) {
            case "netns" -> "server: in this JVM, on loopback; netns realm: every VM a Linux host in network namespaces"
                    + " of this machine with its agent as a child JVM, real Samba AD, adcli, WireGuard (wireguard-go),"
                    + " nftables";
            case "qemu" -> "server: in this JVM, on loopback; qemu realm: every VM a QEMU process (TCG) booting the"
                    + " Debian brick " + settings.qemuBrick() + ", its agent inside, real Samba AD, adcli, WireGuard,"
                    + " nftables";
            default -> "server: in this JVM, on loopback; sim realm with " + settings.delays() + " delays; every sim"
                    + " VM runs the real agent over TLS in this JVM too";
        });
        out.println("run:    " + settings.constellations() + " constellation(s) of brick " + CONTROLLER_BRICK + ", then "
                + settings.members() + " member(s) of brick " + WORKER_BRICK + " added to each at once; no warm-up");
        out.println("polls:  GET /api/v1/constellations/{name} for each unsettled constellation, one after the other,"
                + " a round every " + POLL_INTERVAL.toMillis() + " ms (back to back when a round takes longer)");
        out.flush();
        try (BenchDatabase database = BenchDatabase.open(settings.database(), settings.databaseUrl(),
                settings.databaseUser(), settings.databasePassword())) {
            say("starting a server on " + database.description());
            String adminPassword = Secrets.newSecret("bench-");
            NetnsHosts netnsHosts = new NetnsHosts(NETNS_PREFIX);
            if (settings.realm().equals("netns")) {
                netnsHosts.removeLeftovers();
            }
            if (settings.realm().equals("qemu")) {
                QemuRealm.removeLeftovers(QEMU_PREFIX, database.qemuStateDirectory());
            }
            AsterismServer server = database.startServer(adminPassword, settings.realm(), settings.delays(),
                    settings.qemuBrick());
            HttpClient http = BenchClient.newHttpClient();
            try (server; http) {
                return new Run(server, new BenchClient(http, server.url()), database).measure(adminPassword);
            } finally {
                if (settings.realm().equals("netns")) {
                    netnsHosts.removeLeftovers();
                }
                if (settings.realm().equals("qemu")) {
                    QemuRealm.removeLeftovers(QEMU_PREFIX, database.qemuStateDirectory());
                }
            }
        }
    }

    private void say(String message) {
        progress.println(message);
        progress.flush();
    }

    /** A member as the benchmark follows it. */
    private static final class Tracked {
        final String constellation;
        final String name;
        final long addSentNanos;
        long readyNanos = -1;
        String phase = "REQUEST_VM";
        String condition;

        Tracked(String constellation, String name, long addSentNanos) {
            this.constellation = constellation;
            this.name = name;
            this.addSentNanos = addSentNanos;
        }

        boolean settled() {
            return phase.equals("READY") || phase.equals("FAILED");
        }
    }

    /** One member's phase change from the audit log. */
    private record PhaseEvent(long seq, Instant time, String phase) {}

    /** The run: its server, its constellations and what was measured. */
    private final class Run {
        private final AsterismServer server;
        private final BenchClient client;
        private final BenchDatabase database;
        private final List<String> names = new ArrayList<>();
        // Per constellation, its members by name; each map is filled by the thread that added them.
        private final Map<String, Map<String, Tracked>> members = new LinkedHashMap<>();
        private final long deadline;
        private String token;
        private long pollRounds;
        private long pollRoundNanos;
        private long polls;

        Run(AsterismServer server, BenchClient client, BenchDatabase database) {
            this.server = server;
            this.client = client;
            this.database = database;
            this.deadline = System.nanoTime() + settings.timeLimit().toNanos();
            for (int index = 1; index <= settings.constellations(); index++) {
                names.add("bench-c" + index);
            }
        }

        boolean measure(String adminPassword) {
            try {
                return measureOrFail(adminPassword);
            } catch (IOException e) {
                throw new BenchmarkException("the API refused a request: " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BenchmarkException("interrupted", e);
            }
        }

        private boolean measureOrFail(String adminPassword) throws IOException, InterruptedException {
            token = client.createToken(AsterismServer.ADMIN_USER, adminPassword, "bench-onboarding");
            long heapBefore = usedHeapAfterGc();
            long seqBefore = server.store().call(transaction -> transaction.audit().head().seq());

            // The controllers.
            long cpuCreate = processCpuNanos();
            long createStart = System.nanoTime();
            say("creating " + names.size() + " constellation(s)");
            for (String name : names) {
                client.createConstellation(token, name, CONTROLLER_BRICK);
            }
            Map<String, Long> activeAt = new HashMap<>();
            List<String> brokenConstellations = new ArrayList<>();
            poll("waiting for ACTIVE", names, constellation -> {
                String state = constellation.path("state").asText();
                String name = constellation.path("name").asText();
                if (state.equals("ACTIVE")) {
                    activeAt.putIfAbsent(name, System.nanoTime());
                    return true;
                }
                if (!state.equals("PROVISIONING")) {
                    brokenConstellations.add(name + " is " + state + ": " + constellation.path("reason").asText());
                    return true;
                }
                return false;
            }, () -> activeAt.size() + " of " + names.size() + " ACTIVE");
            long createEnd = System.nanoTime();
            long cpuCreated = processCpuNanos();
            boolean allActive = activeAt.size() == names.size();

            // The members.
            long addStart = System.nanoTime();
            long cpuAdd = processCpuNanos();
            List<String> addErrors = new ArrayList<>();
            if (allActive) {
                addMembers(addErrors);
                poll("onboarding", names, this::seeMembers, this::memberSummary);
            }
            long addEnd = System.nanoTime();
            long cpuAdded = processCpuNanos();
            long heapAfter = usedHeapAfterGc();

            Map<String, List<PhaseEvent>> history = memberHistory(seqBefore);
            boolean destroyed = destroy();
            long vmsLeft = vmsLeft();
            String chain = verifyAuditChain();

            // The report.
            List<Tracked> all = members.values().stream().flatMap(byName -> byName.values().stream()).toList();
            int expected = settings.constellations() * settings.members();
            long ready = all.stream().filter(member -> member.phase.equals("READY")).count();
            List<Tracked> failed = all.stream().filter(member -> member.phase.equals("FAILED")).toList();
            long unsettled = expected - ready - failed.size();
            long[] addToReady = all.stream().filter(member -> member.readyNanos >= 0)
                    .mapToLong(member -> member.readyNanos - member.addSentNanos).sorted().toArray();
            long lastReady = all.stream().mapToLong(member -> member.readyNanos).max().orElse(-1);
            double readySeconds = lastReady < 0 ? Double.NaN : (lastReady - addStart) / 1e9;
            double cpuSeconds = (cpuAdded - cpuAdd) / 1e9;
            long totalVms = (long) expected + settings.constellations();

            out.println();
            out.println("database: " + database.description());
            ResultTable table = new ResultTable(
                    List.of("run", "realm", "database", "members", "READY", "FAILED", "unsettled", "all READY s",
                            "members/s", "p50 add-to-READY ms", "p99 ms", "CPU s", "CPU ms/member",
                            "heap KiB/member"),
                    List.of(false, false, false, true, true, true, true, true, true, true, true, true, true, true));
            table.addRow(List.of(settings.constellations() + "x" + settings.members(),
                    settings.realm().equals("sim") ? "sim " + settings.delays() : settings.realm(),
                    settings.database().wireName(), Integer.toString(expected), Long.toString(ready),
                    Integer.toString(failed.size()), Long.toString(unsettled),
                    unsettled == 0 && failed.isEmpty() ? ResultTable.format(readySeconds) : "-",
                    ResultTable.format(ready / readySeconds),
                    ResultTable.format(Measurement.percentileMillis(addToReady, 0.50)),
                    ResultTable.format(Measurement.percentileMillis(addToReady, 0.99)),
                    ResultTable.format(cpuSeconds), ResultTable.format(cpuSeconds * 1000 / expected),
                    ResultTable.format((heapAfter - heapBefore) / 1024.0 / expected)));
            table.print(out);
            out.println();
            printPhases(history);
            out.println();
            out.println("add-to-READY: from sending the add request to the first poll that saw READY, so up to one"
                    + " poll round late; " + pollSummary());
            out.println("members/s: READY members divided by the time from the first add request to the last READY"
                    + " seen");
            out.println("CPU: this process's CPU time from the first add request until every member settled: server,"
                    + switch (settings.realm()) {
                        case "netns" -> " the agents' relay and the polling client; the " + totalVms + " netns VMs'"
                                + " agents (JVMs of their own), Samba, adcli and wireguard-go run in other processes and"
                                + " are not in it";
                        case "qemu" -> " and the polling client; the " + totalVms + " VMs run in QEMU processes and are"
                                + " not in it";
                        default -> " the " + totalVms + " sim VMs' agents and guests, and the polling client";
                    });
            out.println("heap: used heap after a full GC once every member settled, minus the same before the"
                    + " constellations were created, divided by the members (controllers included)");
            out.println("controllers: " + activeAt.size() + " of " + names.size() + " constellations ACTIVE "
                    + seconds(createEnd - createStart) + " s after the first create request (create-to-ACTIVE p50 "
                    + ResultTable.format(Measurement.percentileMillis(sinceStart(activeAt.values(), createStart), 0.5))
                    + " ms, max " + ResultTable.format(Measurement.percentileMillis(
                            sinceStart(activeAt.values(), createStart), 1.0)) + " ms), CPU "
                    + ResultTable.format((cpuCreated - cpuCreate) / 1e9) + " s");
            brokenConstellations.forEach(broken -> out.println("constellation " + broken));
            addErrors.forEach(error -> out.println("add failed: " + error));
            if (!failed.isEmpty()) {
                out.println("FAILED members: " + failed.size() + "; the first: " + failed.getFirst().constellation + "/"
                        + failed.getFirst().name + ": " + failed.getFirst().condition);
            }
            if (unsettled > 0) {
                out.println("not settled after " + seconds(addEnd - addStart) + " s (time limit "
                        + settings.timeLimit().toMinutes() + " min): " + unsettled + " member(s), by phase "
                        + phaseCounts(all.stream().filter(member -> !member.settled()).toList()));
            }
            out.println("destroy: " + (destroyed ? "every constellation DESTROYED" : "NOT every constellation"
                    + " DESTROYED") + "; " + vmsLeft + " VMs left in the realm");
            out.println("audit chain after the run: " + chain);
            out.flush();
            return allActive && addErrors.isEmpty() && failed.isEmpty() && unsettled == 0 && destroyed
                    && vmsLeft == 0 && chain.startsWith("valid");
        }

        /** Adds every constellation's members at once, one thread per constellation, in requests of at most 100. */
        private void addMembers(List<String> errors) throws InterruptedException {
            say("adding " + settings.members() + " member(s) to each of " + names.size() + " constellation(s)");
            for (String name : names) {
                members.put(name, new ConcurrentHashMap<>());
            }
            List<Future<?>> futures = new ArrayList<>();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String name : names) {
                    futures.add(threads.submit(() -> {
                        int left = settings.members();
                        while (left > 0) {
                            int count = Math.min(left, MAX_ADD);
                            long sent = System.nanoTime();
                            JsonNode added = client.addMembers(token, name, WORKER_BRICK, count);
                            for (JsonNode member : added) {
                                String memberName = member.path("name").asText();
                                members.get(name).put(memberName, new Tracked(name, memberName, sent));
                            }
                            left -= count;
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> future : futures) {
                try {
                    future.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    errors.add(e.getCause().getMessage());
                }
            }
        }

        /** Takes in a poll of a constellation's members; true once every one is READY or FAILED. */
        private boolean seeMembers(JsonNode constellation) {
            long seen = System.nanoTime();
            Map<String, Tracked> tracked = members.get(constellation.path("name").asText());
            for (JsonNode member : constellation.path("members")) {
                Tracked one = tracked.get(member.path("name").asText());
                if (one == null) {
                    continue;
                }
                one.phase = member.path("phase").asText();
                one.condition = member.path("condition").asText(null);
                if (one.phase.equals("READY") && one.readyNanos < 0) {
                    one.readyNanos = seen;
                }
            }
            return tracked.values().stream().allMatch(Tracked::settled);
        }

        private String memberSummary() {
            List<Tracked> all = members.values().stream().flatMap(byName -> byName.values().stream()).toList();
            return phaseCounts(all);
        }

        /**
         * Polls each constellation not done yet, one after the other, a round every {@link #POLL_INTERVAL}, until
         * {@code done} holds for each or the time limit passed.
         */
        private void poll(String what, List<String> constellations, Predicate<JsonNode> done,
                java.util.function.Supplier<String> summary) throws IOException, InterruptedException {
            // Only the last polling (the members') is reported.
            pollRounds = 0;
            pollRoundNanos = 0;
            polls = 0;
            List<String> pending = new ArrayList<>(constellations);
            long start = System.nanoTime();
            long nextProgress = start + PROGRESS_INTERVAL.toNanos();
            while (!pending.isEmpty() && System.nanoTime() < deadline) {
                long roundStart = System.nanoTime();
                List<String> stillPending = new ArrayList<>();
                for (String name : pending) {
                    JsonNode constellation = client.showConstellation(token, name);
                    polls++;
                    if (!done.test(constellation)) {
                        stillPending.add(name);
                    }
                }
                pending = stillPending;
                long roundEnd = System.nanoTime();
                pollRounds++;
                pollRoundNanos += roundEnd - roundStart;
                if (roundEnd >= nextProgress) {
                    say(what + ": " + seconds(roundEnd - start) + " s, " + summary.get());
                    nextProgress = roundEnd + PROGRESS_INTERVAL.toNanos();
                }
                long sleep = roundStart + POLL_INTERVAL.toNanos() - System.nanoTime();
                if (!pending.isEmpty() && sleep > 0) {
                    Thread.sleep(Duration.ofNanos(sleep));
                }
            }
            say(what + ": " + seconds(System.nanoTime() - start) + " s, " + summary.get());
        }

        private String pollSummary() {
            return "while onboarding, " + pollRounds + " poll rounds (" + polls + " GETs) took "
                    + ResultTable.format(pollRounds == 0 ? Double.NaN : pollRoundNanos / 1e6 / pollRounds)
                    + " ms each on average, a round starting every " + POLL_INTERVAL.toMillis() + " ms at most";
        }

        /**
         * Each member's phase changes from the audit log after {@code afterSeq}, oldest first, by
         * {@code constellation/member}.
         */
        private Map<String, List<PhaseEvent>> memberHistory(long afterSeq) throws IOException, InterruptedException {
            say("reading the audit log");
            Map<String, List<PhaseEvent>> history = new HashMap<>();
            for (String action : MEMBER_ACTIONS) {
                long after = afterSeq;
                while (true) {
                    JsonNode page = client.audit(token, after, AUDIT_PAGE, action);
                    for (JsonNode event : page) {
                        after = event.path("seq").asLong();
                        String target = event.path("target").asText();
                        JsonNode details = event.path("details");
                        if (!target.startsWith("constellation:") || !details.has("member")) {
                            continue;
                        }
                        String phase = switch (action) {
                            case "member.added" -> "REQUEST_VM";
                            case "member.ready" -> "READY";
                            case "member.failed" -> "FAILED";
                            default -> details.path("phase").asText();
                        };
                        history.computeIfAbsent(target.substring("constellation:".length()) + "/"
                                + details.path("member").asText(), key -> new ArrayList<>())
                                .add(new PhaseEvent(after, Instant.parse(event.path("time").asText()), phase));
                    }
                    if (page.size() < AUDIT_PAGE) {
                        break;
                    }
                }
            }
            history.values().forEach(events -> events.sort((a, b) -> Long.compare(a.seq(), b.seq())));
            return history;
        }

        /** Time per onboarding phase: from the event that began it to the next event of the same member. */
        private void printPhases(Map<String, List<PhaseEvent>> history) {
            Map<String, List<Long>> durations = new TreeMap<>();
            ONBOARDING_PHASES.forEach(phase -> durations.put(phase, new ArrayList<>()));
            List<Long> total = new ArrayList<>();
            for (List<PhaseEvent> events : history.values()) {
                for (int index = 0; index + 1 < events.size(); index++) {
                    List<Long> phase = durations.get(events.get(index).phase());
                    if (phase != null) {
                        phase.add(Duration.between(events.get(index).time(), events.get(index + 1).time()).toNanos());
                    }
                }
                PhaseEvent first = events.getFirst();
                events.stream().filter(event -> event.phase().equals("READY")).findFirst()
                        .filter(event -> first.phase().equals("REQUEST_VM"))
                        .ifPresent(event -> total.add(Duration.between(first.time(), event.time()).toNanos()));
            }
            double totalMean = total.stream().mapToLong(Long::longValue).average().orElse(Double.NaN);
            ResultTable table = new ResultTable(List.of("phase", "members", "mean ms", "p50 ms", "p99 ms", "max ms",
                    "share of mean"), List.of(false, true, true, true, true, true, true));
            for (String phase : ONBOARDING_PHASES) {
                table.addRow(phaseRow(phase, durations.get(phase), totalMean));
            }
            table.addRow(phaseRow("added to READY", total, totalMean));
            table.print(out);
            out.println("phases: from the audit log (server clock): a phase lasts from the event that began it"
                    + " (member.added for REQUEST_VM) to the member's next phase event");
        }

        private static List<String> phaseRow(String phase, List<Long> nanos, double totalMeanNanos) {
            long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
            double mean = Arrays.stream(sorted).average().orElse(Double.NaN);
            return List.of(phase, Integer.toString(sorted.length), ResultTable.format(mean / 1e6),
                    ResultTable.format(Measurement.percentileMillis(sorted, 0.50)),
                    ResultTable.format(Measurement.percentileMillis(sorted, 0.99)),
                    ResultTable.format(Measurement.percentileMillis(sorted, 1.0)),
                    ResultTable.format(100 * mean / totalMeanNanos) + " %");
        }

        /** Destroys every constellation and waits until each is DESTROYED and the sim realm holds no VM. */
        private boolean destroy() throws IOException, InterruptedException {
            say("destroying " + names.size() + " constellation(s)");
            for (String name : names) {
                client.destroyConstellation(token, name);
            }
            long limit = System.nanoTime() + DESTROY_TIME_LIMIT.toNanos();
            List<String> pending = new ArrayList<>(names);
            while (!pending.isEmpty() && System.nanoTime() < limit) {
                List<String> stillPending = new ArrayList<>();
                for (String name : pending) {
                    if (!client.showConstellation(token, name).path("state").asText().equals("DESTROYED")) {
                        stillPending.add(name);
                    }
                }
                pending = stillPending;
                if (!pending.isEmpty()) {
                    Thread.sleep(POLL_INTERVAL);
                }
            }
            while (vmsLeft() > 0 && System.nanoTime() < limit) {
                Thread.sleep(POLL_INTERVAL);
            }
            return pending.isEmpty();
        }

        private long vmsLeft() {
            return server.simRealm().map(SimRealm::vmCount)
                    .or(() -> server.netnsRealm().map(realm -> realm.list().size()))
                    .or(() -> server.qemuRealm().map(realm -> realm.list().size())).orElse(0);
        }

        private String verifyAuditChain() throws IOException, InterruptedException {
            say("verifying the audit chain");
            JsonNode verification = client.verifyAudit(token);
            if (verification.path("valid").asBoolean()) {
                return "valid, " + verification.path("events").asLong() + " events";
            }
            return "INVALID: " + verification;
        }
    }

    private static String phaseCounts(List<Tracked> members) {
        Map<String, Integer> counts = new TreeMap<>();
        members.forEach(member -> counts.merge(member.phase, 1, Integer::sum));
        return counts.isEmpty() ? "none" : counts.toString();
    }

    private static long[] sinceStart(java.util.Collection<Long> times, long start) {
        return times.stream().mapToLong(time -> time - start).sorted().toArray();
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    /** This process's CPU time in nanoseconds, all threads together; -1 where the JVM does not say. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static long usedHeapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
