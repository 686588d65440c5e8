package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.guest.linux.HostCommands;
import dev.asterism.guest.linux.LinuxPackages;
import dev.asterism.guest.linux.NetnsHosts;
import dev.asterism.realm.netns.NetnsRealm;
import dev.asterism.server.tunnel.TunnelSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The onboarding flow end to end on the netns realm: every VM a Linux host in namespaces of this machine with its agent
 * as a child JVM, a real Samba AD domain controller, real adcli joins, a real WireGuard VPN (wireguard-go), real
 * nftables, a real SMB share, xrdp. Driven through the server's API only; checked from inside the hosts as an
 * administrator or a domain user would, and by real TCP and UDP connection attempts. Each test ends by destroying
 * what it made through the API and checking that no namespace, process, mount or file of the realm is left. Needs
 * root and the packages {@link LinuxPackages} names ({@code ./test} installs them).
 */
class NetnsConstellationTest {
    private static final String PREFIX = "aste2e";
    /** Where a member runs a byte-for-byte echo (socat and cat) for the large transfer through a tunnel. */
    private static final int BULK_PORT = 7002;
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(4);
    private static final String ALICE_PASSWORD = "Alice-Pass-2030";
    /** A TCP and UDP echo service on port 7001 that every host of the isolation matrix runs. */
    private static final String ECHO = """
            import socket, threading
            def tcp():
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('0.0.0.0', 7001)); s.listen(64)
                while True:
                    c, _ = s.accept(); c.sendall(b'tcp-ok'); c.close()
            threading.Thread(target=tcp, daemon=True).start()
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('0.0.0.0', 7001))
            while True:
                data, peer = u.recvfrom(100); u.sendto(b'udp-ok', peer)
            """;
    /**
     * Tries every "proto:address:port" target of its arguments at once, each for the seconds of its first argument;
     * prints ok or no per target.
     */
    private static final String PROBE = """
            import socket, sys, threading
            wait = float(sys.argv[1]); targets = sys.argv[2:]; results = ['no'] * len(targets)
            def probe(i, proto, address, port):
                try:
                    if proto == 'tcp':
                        socket.create_connection((address, int(port)), wait).close()
                    else:
                        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(wait)
                        u.sendto(b'ping', (address, int(port))); u.recvfrom(100)
                    results[i] = 'ok'
                except OSError:
                    pass
            threads = [threading.Thread(target=probe, args=(i, *t.split(':'))) for i, t in enumerate(targets)]
            [t.start() for t in threads]; [t.join() for t in threads]
            print('\\n'.join(results))
            """;

    /** Sends an RDP X.224 connection request (asking for TLS) to port 3389 and prints the answer in hex. */
    private static final String X224 = """
            import socket, sys
            s = socket.create_connection((sys.argv[1], 3389), 5)
            s.sendall(bytes.fromhex('030000130ee000000000000100080003000000'))
            print(s.recv(100).hex())
            """;

    private TestServer server;
    private Api admin;
    private NetnsRealm realm;
    /** Every process seen in the realm's hosts before a destroy, to check that none outlives it. */
    private final Set<Long> processesSeen = new HashSet<>();

    @BeforeAll
    static void clearLeftovers() {
        LinuxPackages.requireInstalled();
        new NetnsHosts(PREFIX).removeLeftovers();
    }

    @BeforeEach
    void start() {
        start(Duration.ofMinutes(10));
    }

    private void start(Duration leaseDuration) {
        server = TestServer.start(Clock.systemUTC(), config -> config.withRealm("netns", "zero")
                .withNetnsPrefix(PREFIX).withPhaseTimeout(Duration.ofMinutes(3)).withLeaseDuration(leaseDuration)
                .withTunnels(TunnelSettings.defaults().withPorts(Set.of(3389, BULK_PORT))));
        admin = server.admin;
        realm = server.server.netnsRealm().orElseThrow();
    }

    @AfterEach
    void stop() {
        try {
            if (server != null) {
                server.close();
            }
        } finally {
            new NetnsHosts(PREFIX).removeLeftovers();
        }
    }

    @Test
    void a_join_lease_left_open_by_a_stopped_server_closes_by_itself_at_its_deadline() {
        server.close();
        start(Duration.ofSeconds(20));
        constellation("lz", 0, "ports");
        HostCommands controller = host("lz-controller");
        admin.post("/constellations/lz/members", Map.of("brick", "worker", "count", 1)).expect(202);
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (!leaseElements(controller)) {
            assertThat(System.nanoTime()).as("a join lease opens on the controller").isLessThan(deadline);
            pause(Duration.ofMillis(50));
        }

        server.close();
        server = null;
        long stopped = System.nanoTime();
        assertThat(leaseElements(controller)).as("the lease right after the server stopped").isTrue();
        while (leaseElements(controller) && System.nanoTime() - stopped < Duration.ofSeconds(60).toNanos()) {
            pause(Duration.ofMillis(200));
        }
        assertThat(leaseElements(controller)).as("the lease 60 s after the server stopped (its deadline: 20 s after"
                + " it opened)").isFalse();
    }

    private static boolean leaseElements(HostCommands controller) {
        return controller.run(List.of("nft", "list", "set", "inet", "asterism", "join_ports"), null).output()
                .contains("elements = ");
    }

    @Test
    void two_workers_join_the_domain_a_domain_user_gets_a_ticket_on_each_and_shares_a_file_between_them() {
        JsonNode ready = constellation("c1", 2, "ports");

        HostCommands controller = host("c1-controller");
        String computers = controller.require(List.of("samba-tool", "computer", "list"), "list computers");
        assertThat(computers.lines().map(String::strip).filter(line -> !line.isEmpty()).toList())
                .as("computer accounts on the controller: its own and the two workers'").hasSize(3)
                .contains(controllerName(controller) + "$");
        createDomainUser(controller, "alice");
        List<String> members = ready.get("members").findValuesAsText("name");
        for (String member : members) {
            HostCommands.Result ticket = host("c1-" + member).run(List.of("sh", "-c", "kinit alice && klist"),
                    (ALICE_PASSWORD + "\n").getBytes(StandardCharsets.UTF_8), Map.of(), Duration.ofSeconds(30));
            assertThat(ticket.succeeded()).as("kinit on %s: %s", member, ticket.printed()).isTrue();
            assertThat(ticket.output()).contains("alice@C1.ASTERISM.TEST");
        }

        HostCommands writer = host("c1-w1");
        writer.writeText("/tmp/report.txt", "results of run 7, written on w1\n");
        HostCommands.Result put = smbclient(writer, "put /tmp/report.txt report.txt");
        assertThat(put.printed()).as("put from w1").doesNotContain("NT_STATUS_");
        HostCommands.Result got = smbclient(host("c1-w2"), "get report.txt /dev/stdout");
        assertThat(got.printed()).doesNotContain("NT_STATUS_");
        assertThat(got.output()).isEqualTo("results of run 7, written on w1\n");

        // Remote desktop on the workers: xrdp answers an RDP connection request over the overlay (X.224 connection
        // confirm), and nothing answers on the underlay.
        String confirm = host("c1-w1").run(List.of("python3", "-c", X224, overlayOf("c1", "w2")), null, Map.of(),
                Duration.ofSeconds(30)).output().strip();
        assertThat(confirm).as("the answer to an X.224 connection request").startsWith("0300").contains("0ed0");
        assertThat(probe(host("c1-w1"), List.of("tcp:" + underlayOf("c1-w2") + ":3389"))).containsExactly("no");

        // The same from outside the constellation, as `asterism connect` carries it: through the server and w2's
        // agent, which connects to w2's own port.
        tunnelToXrdp("c1", "w2");
        // A large transfer through a tunnel arrives byte for byte: w1 echoes on its loopback.
        host("c1-w1").run(List.of("sh", "-c", "exec setsid -f socat TCP-LISTEN:" + BULK_PORT
                + ",bind=127.0.0.1,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1"), null, Map.of(),
                Duration.ofSeconds(10));
        byte[] payload = new byte[8 * 1024 * 1024];
        new java.util.Random(3).nextBytes(payload);
        byte[] back = echoThroughTunnel("c1", "w1", payload);
        assertThat(back.length).isEqualTo(payload.length);
        assertThat(java.util.Arrays.equals(back, payload)).as("8 MiB echoed through a tunnel, byte for byte").isTrue();

        destroy("c1");
        assertNothingOfTheRealmIsLeft();
    }

    private void tunnelToXrdp(String constellation, String member) {
        try (TunnelClient tunnel = TunnelClient.open(server.url(), "/constellations/" + constellation + "/members/"
                + member + "/tunnel?port=3389", admin.token)) {
            tunnel.send(java.util.HexFormat.of().parseHex("030000130ee000000000000100080003000000"));
            String answer = java.util.HexFormat.of().formatHex(tunnel.awaitBytes(11, Duration.ofSeconds(30)));
            assertThat(answer).as("xrdp's answer through the tunnel").startsWith("0300").contains("0ed0");
        } catch (Exception e) {
            throw new AssertionError("tunnel to " + member + "'s xrdp", e);
        }
    }

    private byte[] echoThroughTunnel(String constellation, String member, byte[] payload) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (TunnelClient tunnel = TunnelClient.open(server.url(), "/constellations/" + constellation
                    + "/members/" + member + "/tunnel?port=" + BULK_PORT, admin.token)) {
                Thread sender = Thread.ofPlatform().start(() -> {
                    try {
                        tunnel.send(payload);
                        tunnel.sendEof();
                    } catch (Exception ignored) {
                        // The tunnel closed early; the byte count below says so.
                    }
                });
                byte[] back = tunnel.awaitBytes(payload.length, Duration.ofSeconds(120));
                sender.join();
                if (back.length > 0 || System.nanoTime() > deadline) {
                    return back;
                }
                // socat may not listen yet: the tunnel closed with "nothing answers"; try again.
                pause(Duration.ofMillis(200));
            } catch (Exception e) {
                throw new AssertionError("tunnel to " + member + " port " + BULK_PORT, e);
            }
        }
    }

    @Test
    void only_the_expected_cells_of_the_isolation_matrix_are_open() throws IOException {
        constellation("c1", 2, "ports");
        constellation("c2", 1, "ports");
        admin.post("/vms", Map.of("name", "plain", "brick", "worker")).expect(202);
        server.awaitVmState(admin, "plain", "RUNNING");
        Map<String, String> constellationOf = new LinkedHashMap<>();
        for (String vm : List.of("c1-controller", "c1-w1", "c1-w2", "c2-controller", "c2-w1", "plain")) {
            constellationOf.put(vm, vm.contains("-") ? vm.substring(0, vm.indexOf('-')) : "-");
            host(vm).run(List.of("sh", "-c", "exec setsid -f python3 -c \"$1\" </dev/null >/dev/null 2>&1", "sh", ECHO),
                    null, Map.of(), Duration.ofSeconds(10));
        }
        for (String vm : constellationOf.keySet()) {
            awaitEchoOn(vm);
        }
        Map<String, String> overlay = Map.of("c1-controller", "10.77.0.1", "c1-w1", overlayOf("c1", "w1"),
                "c1-w2", overlayOf("c1", "w2"), "c2-controller", "10.77.0.1", "c2-w1", overlayOf("c2", "w1"));

        StringBuilder matrix = new StringBuilder(String.format("%-14s", "from \\ to"));
        constellationOf.keySet().forEach(to -> matrix.append(String.format("%-16s", to)));
        matrix.append("\n");
        List<String> unexpected = new ArrayList<>();
        for (String from : constellationOf.keySet()) {
            List<String> targets = new ArrayList<>();
            List<String> cells = new ArrayList<>();
            for (String to : constellationOf.keySet()) {
                String underlay = underlayOf(to);
                targets.add("tcp:" + underlay + ":7001");
                targets.add("udp:" + underlay + ":7001");
                boolean sameConstellation = !from.equals(to) && !constellationOf.get(from).equals("-")
                        && constellationOf.get(from).equals(constellationOf.get(to));
                if (sameConstellation) {
                    targets.add("tcp:" + overlay.get(to) + ":7001");
                    targets.add("udp:" + overlay.get(to) + ":7001");
                }
                cells.add(to + (sameConstellation ? "+overlay" : ""));
            }
            List<String> results = probe(host(from), targets);
            int index = 0;
            matrix.append(String.format("%-14s", from));
            for (String to : constellationOf.keySet()) {
                boolean sameConstellation = cells.get(constellationOf.keySet().stream().toList().indexOf(to))
                        .endsWith("+overlay");
                StringBuilder cell = new StringBuilder();
                String[] kinds = sameConstellation ? new String[] {"U", "u", "O", "o"} : new String[] {"U", "u"};
                for (String kind : kinds) {
                    boolean open = results.get(index++).equals("ok");
                    // Open: only a host to itself, and overlay traffic to a member of the same constellation.
                    boolean expected = from.equals(to)
                            || (sameConstellation && (kind.equals("O") || kind.equals("o")) && !to.endsWith("controller"));
                    cell.append(open ? kind : ".");
                    if (open != expected) {
                        unexpected.add(from + " -> " + to + " " + describe(kind) + (open ? " is open" : " is closed"));
                    }
                }
                matrix.append(String.format("%-16s", cell));
            }
            matrix.append("\n");
        }
        System.out.println("Isolation matrix (U/u: TCP/UDP 7001 on the underlay, O/o: on the overlay; '.' closed):\n"
                + matrix);
        assertThat(unexpected).as("cells that differ from what isolation promises\n" + matrix).isEmpty();

        // The way out of a host is the agent channel and nothing else: not the server's API on this machine's
        // loopback, not this machine's own address (no route: the attempt fails inside the host).
        int apiPort = java.net.URI.create(server.url()).getPort();
        String machine = HostCommands.local().require(List.of("ip", "-4", "-o", "addr", "show", "scope", "global"),
                "read this machine's addresses").lines().map(line -> line.trim().split("\\s+"))
                .filter(fields -> fields.length > 3).map(fields -> fields[3].substring(0, fields[3].indexOf('/')))
                .filter(address -> !address.startsWith("10.210.")).findFirst().orElse("192.0.2.1");
        assertThat(probe(host("c1-w1"), List.of("tcp:127.0.0.1:" + apiPort, "tcp:" + machine + ":" + apiPort)))
                .as("from a member to the server's API on loopback and to this machine's address %s", machine)
                .containsExactly("no", "no");

        // The domain's services: through the tunnel yes, from the underlay no (the join lease closed at READY).
        assertThat(probe(host("c1-w1"), List.of("tcp:10.77.0.1:389", "tcp:" + underlayOf("c1-controller") + ":389")))
                .containsExactly("ok", "no");
        // Slurm: the scheduler (6817) and a node (6818) over the overlay yes; from the underlay, another
        // constellation or a plain VM no.
        assertThat(probe(host("c1-w1"), List.of("tcp:10.77.0.1:6817", "tcp:" + overlayOf("c1", "w2") + ":6818",
                "tcp:" + underlayOf("c1-controller") + ":6817", "tcp:" + underlayOf("c1-w2") + ":6818")))
                .containsExactly("ok", "ok", "no", "no");
        for (String outsider : List.of("c2-w1", "plain")) {
            assertThat(probe(host(outsider), List.of("tcp:" + underlayOf("c1-controller") + ":6817",
                    "tcp:" + underlayOf("c1-w2") + ":6818"))).as("Slurm of c1 from %s", outsider)
                    .containsExactly("no", "no");
        }
        admin.delete("/vms/plain").expect(202);
        destroy("c2");
        destroy("c1");
        assertNothingOfTheRealmIsLeft();
    }

    @Test
    void while_a_member_joins_only_its_underlay_address_reaches_only_the_join_ports_and_removal_undoes_everything() {
        constellation("c1", 0, "ports");
        HostCommands controller = host("c1-controller");
        AtomicReference<String> leases = new AtomicReference<>("");
        AtomicBoolean watching = new AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get()) {
                String elements = controller.run(List.of("nft", "list", "set", "inet", "asterism", "join_ports"), null)
                        .output();
                if (elements.contains("comment")) {
                    leases.accumulateAndGet(elements, (seen, now) -> seen.isEmpty() ? now : seen);
                }
            }
        });
        admin.post("/constellations/c1/members", Map.of("brick", "worker", "count", 1)).expect(202);
        await("c1", c -> phases(c).equals(List.of("READY")), "one READY member");
        stop(watcher, watching);

        String memberUnderlay = underlayOf("c1-w1");
        assertThat(leases.get()).as("a lease was open during the join").contains(memberUnderlay + " . tcp . 389")
                .contains(memberUnderlay + " . udp . 88");
        for (String line : leases.get().lines().filter(line -> line.contains("comment")).toList()) {
            assertThat(line).as("every lease element is for the joining member").contains(memberUnderlay);
        }
        assertThat(controller.require(List.of("nft", "list", "set", "inet", "asterism", "join_ports"), "list leases"))
                .as("no lease after READY").doesNotContain("comment");
        assertThat(probe(host("c1-w1"), List.of("tcp:" + underlayOf("c1-controller") + ":389"))).containsExactly("no");

        String memberVmId = vmId("c1-w1");
        assertThat(controller.require(List.of("wg", "show", "asthub0", "peers"), "list peers").strip()).isNotEmpty();
        admin.delete("/constellations/c1/members/w1").expect(202);
        await("c1", c -> phases(c).isEmpty(), "w1 removed");
        assertThat(controller.require(List.of("samba-tool", "computer", "list"), "list computers").lines()
                .filter(line -> !line.isBlank()).toList()).as("computer accounts after the removal").hasSize(1);
        assertThat(controller.require(List.of("wg", "show", "asthub0", "peers"), "list peers").strip()).isEmpty();
        assertThat(realm.inspect(memberVmId)).as("the member's host").isEmpty();
        assertThat(realm.hosts().hostNames()).doesNotContain(memberVmId);

        destroy("c1");
        assertNothingOfTheRealmIsLeft();
    }

    @Test
    void in_vpn_first_mode_the_controller_never_holds_a_lease_and_members_still_join() {
        constellation("vf", 0, "vpn-first");
        HostCommands controller = host("vf-controller");
        AtomicBoolean watching = new AtomicBoolean(true);
        AtomicBoolean leaseSeen = new AtomicBoolean(false);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get()) {
                String ruleset = controller.run(List.of("nft", "list", "table", "inet", "asterism"), null).output();
                if (ruleset.contains("elements = ")) {
                    leaseSeen.set(true);
                }
            }
        });
        admin.post("/constellations/vf/members", Map.of("brick", "worker", "count", 2)).expect(202);
        await("vf", c -> phases(c).equals(List.of("READY", "READY")), "two READY members");
        stop(watcher, watching);

        assertThat(leaseSeen.get()).as("a lease on the controller during a vpn-first join").isFalse();
        assertThat(controller.require(List.of("samba-tool", "computer", "list"), "list computers").lines()
                .filter(line -> !line.isBlank()).toList()).as("computer accounts").hasSize(3);
        destroy("vf");
        assertNothingOfTheRealmIsLeft();
    }

    // ---- helpers

    private JsonNode constellation(String name, int members, String joinMode) {
        admin.post("/constellations", Map.of("name", name, "brick", "controller", "joinMode", joinMode)).expect(202);
        JsonNode active = await(name, c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        if (members == 0) {
            return active;
        }
        admin.post("/constellations/" + name + "/members", Map.of("brick", "worker", "count", members)).expect(202);
        return await(name, c -> phases(c).size() == members && phases(c).stream().allMatch("READY"::equals),
                members + " READY members");
    }

    /** Destroys the constellation through the API and waits until it is gone. */
    private void destroy(String name) {
        realm.list().forEach(vm -> processesSeen.addAll(realm.processes(vm.vmId())));
        admin.delete("/constellations/" + name).expect(202);
        await(name, c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
    }

    /**
     * Waits until the realm holds no VM, then checks that no namespace, mount or host directory of its prefix is
     * left: what the API tore down is gone from the machine.
     */
    private void assertNothingOfTheRealmIsLeft() {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && !(realm.list().isEmpty() && namespaces().isEmpty())) {
            pause(Duration.ofMillis(500));
        }
        assertThat(realm.list()).as("VMs of the realm").isEmpty();
        assertThat(namespaces()).as("namespaces of the realm (hosts and segments)").isEmpty();
        assertThat(processesSeen).as("processes that ran in the hosts (agents, samba, wireguard-go, xrdp, socat)")
                .isNotEmpty().noneMatch(NetnsHosts::running);
        try {
            assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .filter(line -> line.contains("/" + PREFIX + "/")).toList())
                    .as("mounts of the realm").isEmpty();
            Path roots = Path.of("/var/lib/asterism-netns", PREFIX);
            if (Files.isDirectory(roots)) {
                try (var left = Files.list(roots)) {
                    assertThat(left.toList()).as("host directories").isEmpty();
                }
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> namespaces() {
        return HostCommands.local().require(List.of("ip", "netns", "list"), "list namespaces").lines()
                .filter(line -> line.startsWith(PREFIX + "-")).toList();
    }

    private String vmId(String vmName) {
        return admin.get("/vms/" + vmName).expect(200).json().get("id").asText();
    }

    private String underlayOf(String vmName) {
        return admin.get("/vms/" + vmName).expect(200).json().get("addresses").get(0).asText();
    }

    private String overlayOf(String constellation, String member) {
        for (JsonNode node : admin.get("/constellations/" + constellation).expect(200).json().get("members")) {
            if (node.get("name").asText().equals(member)) {
                return node.get("overlayAddress").asText();
            }
        }
        throw new AssertionError("no member " + member + " in " + constellation);
    }

    private HostCommands host(String vmName) {
        return realm.commandsIn(vmId(vmName)).orElseThrow(() -> new AssertionError("no netns host for " + vmName));
    }

    private static String controllerName(HostCommands controller) {
        String name = controller.require(List.of("hostname"), "read the host name").strip().toUpperCase(Locale.ROOT);
        return name.substring(0, Math.min(15, name.length()));
    }

    private static void createDomainUser(HostCommands controller, String name) {
        controller.require(List.of("samba-tool", "user", "create", name, ALICE_PASSWORD), "create " + name);
    }

    private static HostCommands.Result smbclient(HostCommands member, String command) {
        return member.run(List.of("smbclient", "//10.77.0.1/shared", "-U", "alice", "-m", "SMB3", "-t", "10", "-c",
                command), null, Map.of("PASSWD", ALICE_PASSWORD), Duration.ofSeconds(30));
    }

    private static List<String> probe(HostCommands from, List<String> targets) {
        List<String> argv = new ArrayList<>(List.of("python3", "-c", PROBE, "1"));
        argv.addAll(targets);
        return from.run(argv, null, Map.of(), Duration.ofSeconds(30)).output().lines().toList();
    }

    /** Waits until the echo service of {@code vm} answers on its own address, so that the matrix probes a listener. */
    private void awaitEchoOn(String vm) {
        String self = underlayOf(vm);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!probe(host(vm), List.of("tcp:" + self + ":7001", "udp:" + self + ":7001")).equals(List.of("ok", "ok"))) {
            assertThat(System.nanoTime()).as("the echo service on %s answers", vm).isLessThan(deadline);
            pause(Duration.ofMillis(200));
        }
    }

    /** Stops a watching thread and waits for its last look. */
    private static void stop(Thread watcher, AtomicBoolean watching) {
        watching.set(false);
        try {
            watcher.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String describe(String kind) {
        return switch (kind) {
            case "U" -> "TCP on the underlay";
            case "u" -> "UDP on the underlay";
            case "O" -> "TCP on the overlay";
            default -> "UDP on the overlay";
        };
    }

    private JsonNode await(String name, Predicate<JsonNode> done, String what) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = admin.get("/constellations/" + name).expect(200).json();
            if (done.test(last)) {
                return last;
            }
            pause(Duration.ofMillis(500));
        }
        throw new AssertionError("constellation " + name + " did not reach " + what + " within " + READY_TIMEOUT
                + ": " + last);
    }

    private static List<String> phases(JsonNode constellation) {
        return constellation.get("members").findValuesAsText("phase");
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
