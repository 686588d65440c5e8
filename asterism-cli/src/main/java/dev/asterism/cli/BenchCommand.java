package dev.asterism.cli;

import dev.asterism.bench.ApiBenchmark;
import dev.asterism.bench.BenchmarkException;
import dev.asterism.bench.OnboardingBenchmark;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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
            @Mixin BenchDatabaseOptions existing,
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
        if (existing.databaseUrl != null && !databases.contains(ApiBenchmark.Database.POSTGRES)) {
            throw new CommandFailure(ExitStatus.USAGE, "--database-url names a PostgreSQL database: add --database "
                    + "postgres or --database both");
        }
        ApiBenchmark.Settings settings = new ApiBenchmark.Settings(databases, existing.databaseUrl, existing.databaseUser,
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

    @Command(
            name = "onboarding",
            sortOptions = false,
            description = {
                "How fast members of constellations go from the add request to READY on the sim realm: members/s, "
                        + "p50/p99 add-to-READY, failures, the mean time in each phase, and the server's CPU "
                        + "seconds and heap per member.",
                "",
                "A server runs in this process, on free loopback ports, with the sim realm (with --delays). As "
                        + "admin, over the REST API, the benchmark creates the constellations (brick 'controller') "
                        + "and waits until all are ACTIVE, then adds the members (brick 'worker', named w1, w2, ...) "
                        + "to every constellation at once and polls each constellation every 100 ms until every "
                        + "member is READY or FAILED. Add-to-READY runs from sending the add request to the first "
                        + "poll that saw READY; the phases come from the audit log. Then it destroys the "
                        + "constellations and verifies the audit chain. The database is deleted afterwards, except "
                        + "one named with --database-url.",
                "",
                "Every sim VM runs the real agent with its TLS connection in this process: the CPU and heap "
                        + "measured are those of the server, its simulated VMs and the polling client together.",
                "",
                "Exits 0 when every member became READY and everything was cleaned up, 1 when a member FAILED, "
                        + "did not settle within --time-limit, or the cleanup or the audit chain failed."
            })
    int onboarding(
            @Option(
                            names = "--constellations",
                            paramLabel = "C",
                            defaultValue = "1",
                            converter = Converters.PositiveNumber.class,
                            description = "How many constellations to create (default: ${DEFAULT-VALUE}).")
                    Long constellations,
            @Option(
                            names = "--members",
                            paramLabel = "M",
                            defaultValue = "1",
                            converter = Converters.PositiveNumber.class,
                            description = "How many members to add to each constellation, at most "
                                    + OnboardingBenchmark.Settings.MAX_MEMBERS + " (default: ${DEFAULT-VALUE}).")
                    Long members,
            @Option(
                            names = "--delays",
                            paramLabel = "zero|realistic",
                            defaultValue = "realistic",
                            description = "The sim realm's delays: none, or seconds per VM operation as a small "
                                    + "cloud shows (default: ${DEFAULT-VALUE}).")
                    String delays,
            @Option(
                            names = "--realm",
                            paramLabel = "sim|netns|qemu",
                            defaultValue = "sim",
                            description = "The realm: sim, netns for real Linux guests in network namespaces of "
                                    + "this machine (root and the guest packages; keep --members small: each VM is a "
                                    + "host with its own JVM), or qemu for real VMs (root, QEMU, --qemu-brick; keep "
                                    + "--members to a few on 2 cores) (default: ${DEFAULT-VALUE}).")
                    String realm,
            @Option(names = "--qemu-brick", paramLabel = "DIR",
                            description = "The Debian brick the qemu realm boots (`asterism brick build linux`).")
                    java.nio.file.Path qemuBrick,
            @Option(
                            names = "--database",
                            paramLabel = "h2|postgres",
                            defaultValue = "h2",
                            description = "The server's database (default: ${DEFAULT-VALUE}); for postgres a "
                                    + "throw-away local server is started unless --database-url names one.")
                    String database,
            @Mixin BenchDatabaseOptions existing,
            @Option(
                            names = "--time-limit",
                            paramLabel = "MINUTES",
                            defaultValue = "20",
                            converter = Converters.PositiveNumber.class,
                            description = "How long creating the constellations and onboarding the members may take "
                                    + "in all before the run counts as failed (default: ${DEFAULT-VALUE}).")
                    Long timeLimit) {
        ApiBenchmark.Database kind = switch (database) {
            case "h2" -> ApiBenchmark.Database.H2;
            case "postgres" -> ApiBenchmark.Database.POSTGRES;
            default -> throw new CommandFailure(ExitStatus.USAGE,
                    "--database must be h2 or postgres, not '" + database + "'");
        };
        if (!realm.equals("sim") && !realm.equals("netns") && !realm.equals("qemu")) {
            throw new CommandFailure(ExitStatus.USAGE, "--realm must be sim, netns or qemu, not '" + realm + "'");
        }
        if (realm.equals("qemu") && qemuBrick == null) {
            throw new CommandFailure(ExitStatus.USAGE, "--realm qemu needs --qemu-brick DIR (`sudo ./asterism brick"
                    + " build linux` prints it)");
        }
        if (!delays.equals("zero") && !delays.equals("realistic")) {
            throw new CommandFailure(ExitStatus.USAGE, "--delays must be zero or realistic, not '" + delays + "'");
        }
        if (existing.databaseUrl != null && kind != ApiBenchmark.Database.POSTGRES) {
            throw new CommandFailure(ExitStatus.USAGE, "--database-url names a PostgreSQL database: add --database "
                    + "postgres");
        }
        if (constellations > OnboardingBenchmark.Settings.MAX_CONSTELLATIONS) {
            throw new CommandFailure(ExitStatus.USAGE, "--constellations must be at most "
                    + OnboardingBenchmark.Settings.MAX_CONSTELLATIONS + ", not " + constellations);
        }
        if (members > OnboardingBenchmark.Settings.MAX_MEMBERS) {
            throw new CommandFailure(ExitStatus.USAGE, "--members must be at most "
                    + OnboardingBenchmark.Settings.MAX_MEMBERS + " (a constellation's overlay is one /24), not "
                    + members);
        }
        if (timeLimit > 24 * 60) {
            throw new CommandFailure(ExitStatus.USAGE, "--time-limit must be at most 1440 minutes, not " + timeLimit);
        }
        OnboardingBenchmark.Settings settings = new OnboardingBenchmark.Settings(constellations.intValue(),
                members.intValue(), delays, kind, existing.databaseUrl, existing.databaseUser,
                root.environment().variable("ASTERISM_DATABASE_PASSWORD"), Duration.ofMinutes(timeLimit), realm,
                qemuBrick == null ? null : qemuBrick.toAbsolutePath().normalize());
        try {
            if (new OnboardingBenchmark(settings, out(), err()).run()) {
                return ExitStatus.SUCCESS.code();
            }
            return ExitStatus.FAILURE.code();
        } catch (BenchmarkException e) {
            throw new CommandFailure(ExitStatus.FAILURE, e.getMessage());
        }
    }

    @Command(
            name = "tunnel",
            sortOptions = false,
            description = {
                "Throughput and added latency of a tunnel (what `asterism connect` carries: local listener, WebSocket"
                        + " to the server, agent channel, the member's agent) against a direct loopback connection.",
                "",
                "A server in this process on the sim realm, whose agents are real agents on the real TLS agent"
                        + " channel, tunnels to a sink and an echo service on loopback; nothing leaves this host."
                        + " Each row is run once unmeasured first. Takes about a minute."
            })
    int tunnel(
            @Option(names = "--megabytes", paramLabel = "MIB", defaultValue = "256",
                    converter = Converters.PositiveNumber.class,
                    description = "MiB sent per row, shared by the row's tunnels (default: ${DEFAULT-VALUE}).")
                    Long megabytes,
            @Option(names = "--tunnels", paramLabel = "N[,N...]", split = ",", defaultValue = "1,16",
                    converter = Converters.PositiveNumber.class,
                    description = "How many tunnels at once, one row each (default: ${DEFAULT-VALUE}).")
                    List<Long> tunnels,
            @Option(names = "--round-trips", paramLabel = "N", defaultValue = "2000",
                    converter = Converters.PositiveNumber.class,
                    description = "One-byte round trips for the latency rows (default: ${DEFAULT-VALUE}).")
                    Long roundTrips) {
        for (long count : tunnels) {
            if (count > 64) {
                throw new CommandFailure(ExitStatus.USAGE, "--tunnels must be at most 64 each, not " + count);
            }
        }
        try {
            new TunnelBenchmark(megabytes, tunnels.stream().map(Long::intValue).toList(),
                    count("--round-trips", roundTrips), out()).run();
            return ExitStatus.SUCCESS.code();
        } catch (Exception e) {
            throw new CommandFailure(ExitStatus.FAILURE, "the tunnel benchmark failed: " + e.getMessage());
        }
    }

    @Command(
            name = "desktop",
            sortOptions = false,
            description = {
                "How long a person waits for a desktop: from being added to a constellation's people to their domain"
                        + " account, the desktop password, and from an RDP connection through a tunnel to their"
                        + " session on the member and to the desktop on the client's screen.",
                "",
                "Then the two ways to a desktop side by side, each for a new person on the same screen: asterism"
                        + " connect's tunnel with FreeRDP, and the panel's desktop page in Chromium (IronRDP's client"
                        + " in WebAssembly, the password typed on xrdp's sign-in screen): from opening each to the"
                        + " first frame and to the desktop, and the latency of input, a drag on the desktop until the"
                        + " screen shows the change (read from the screen's pixels by a second JVM on the display).",
                "",
                "On the netns realm (real Samba AD, sssd, xrdp with xfce4 in the member), with FreeRDP and Chromium"
                        + " under Xvfb, all on this machine; needs root, the guest packages, " + RdpScreen.INSTALL_HINT
                        + " and " + BrowserScreen.INSTALL_HINT + ". Takes about three minutes."
            })
    int desktop(
            @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
                    converter = Converters.PositiveNumber.class,
                    description = "How many people sign in, one after the other (default: ${DEFAULT-VALUE}).")
                    Long rounds,
            @Option(names = "--drags", paramLabel = "N", defaultValue = "20",
                    description = "How many drags measure input latency on each way to the desktop; 0 leaves the"
                            + " comparison of the two ways out (default: ${DEFAULT-VALUE}).")
                    Long drags) {
        if (rounds > 20) {
            throw new CommandFailure(ExitStatus.USAGE, "--rounds must be at most 20, not " + rounds);
        }
        if (drags < 0 || drags > 500) {
            throw new CommandFailure(ExitStatus.USAGE, "--drags must be from 0 to 500, not " + drags);
        }
        try {
            new DesktopBenchmark(rounds.intValue(), drags.intValue(), out()).run();
            return ExitStatus.SUCCESS.code();
        } catch (Exception e) {
            throw new CommandFailure(ExitStatus.FAILURE, "the desktop benchmark failed: " + e.getMessage());
        }
    }

    @Command(
            name = "batch",
            sortOptions = false,
            description = {
                "How soon a member runs batch jobs: from adding it to READY and from READY to its Slurm node being"
                        + " idle, then the latency of `srun -N2 true` over two members.",
                "",
                "On the netns realm (real Slurm and munge in the hosts), all on this machine; needs root and the guest"
                        + " packages. Takes about two minutes."
            })
    int batch(
            @Option(names = "--members", paramLabel = "N", defaultValue = "3",
                    converter = Converters.PositiveNumber.class,
                    description = "How many members to add, one after the other (default: ${DEFAULT-VALUE}).")
                    Long members,
            @Option(names = "--steps", paramLabel = "N", defaultValue = "20",
                    converter = Converters.PositiveNumber.class,
                    description = "How many times `srun -N2 true` runs (default: ${DEFAULT-VALUE}).") Long steps) {
        if (members > 10) {
            throw new CommandFailure(ExitStatus.USAGE, "--members must be at most 10, not " + members);
        }
        try {
            new BatchBenchmark(members.intValue(), count("--steps", steps), out()).run();
            return ExitStatus.SUCCESS.code();
        } catch (Exception e) {
            throw new CommandFailure(ExitStatus.FAILURE, "the batch benchmark failed: " + e.getMessage());
        }
    }

    private static int count(String option, long value) {
        if (value > 1_000_000) {
            throw new CommandFailure(ExitStatus.USAGE, option + " must be at most 1000000, not " + value);
        }
        return (int) value;
    }
}
