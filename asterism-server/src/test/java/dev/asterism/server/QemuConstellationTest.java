package dev.asterism.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.asterism.realm.qemu.DebianBrickBuilder;
import dev.asterism.realm.qemu.GuestAgentClient;
import dev.asterism.realm.qemu.QemuRealm;
import dev.asterism.realm.qemu.TestBricks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end on real VMs: the server on the qemu realm (TCG), its controller and two workers booting the Debian
 * brick with the agent inside, a real Samba AD domain, adcli joins, WireGuard and nftables in the guests. Checked
 * from inside the guests through their QEMU guest agents: the domain's computer accounts, a reduced isolation
 * matrix, remote desktop through a tunnel, a Slurm step over both workers; and that tearing down leaves no QEMU
 * process, bridge, tap or disk.
 */
class QemuConstellationTest {
    private static final String PREFIX = "astqe";
    private static final Duration READY_TIMEOUT = Duration.ofMinutes(15);
    private static final String OWNER_DESKTOP = "Owner-Desk-2026!";
    private static TestServer server;
    private static QemuRealm realm;

    @BeforeAll
    static void start() throws Exception {
        DebianBrickBuilder.Brick brick = TestBricks.linux();
        server = TestServer.start(Clock.systemUTC(), config -> config.withRealm("qemu", "zero")
                .withQemu(brick.directory(), PREFIX).withQemuAccelerator("tcg")
                .withPhaseTimeout(Duration.ofMinutes(10))
                .withRegistrationTimeout(Duration.ofMinutes(10)));
        realm = server.server.qemuRealm().orElseThrow();
        QemuRealm.removeLeftovers(PREFIX, Path.of("/nonexistent-" + PREFIX));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            Path state = server.dataDirectory.resolve("qemu");
            server.close();
            QemuRealm.removeLeftovers(PREFIX, state);
        }
    }

    @Test
    void a_controller_and_two_workers_on_real_vms_reach_ready_joined_isolated_and_leave_nothing_behind()
            throws Exception {
        long started = System.nanoTime();
        Api admin = server.admin;
        admin.post("/constellations", Map.of("name", "q1", "brick", "controller")).expect(202);
        await("q1", c -> c.get("state").asText().equals("ACTIVE"), "ACTIVE");
        System.out.printf("controller ACTIVE after %.0f s%n", (System.nanoTime() - started) / 1e9);
        admin.post("/constellations/q1/members", Map.of("brick", "worker", "count", 2)).expect(202);
        JsonNode ready = await("q1", c -> phases(c).equals(List.of("READY", "READY")), "two READY members");
        System.out.printf("two members READY after %.0f s%n", (System.nanoTime() - started) / 1e9);

        GuestAgentClient controller = realm.guestAgent(vmId("q1-controller"));
        String computers = controller.execute(List.of("/usr/bin/samba-tool", "computer", "list"),
                Duration.ofMinutes(2)).output();
        assertThat(computers.lines().map(String::strip).filter(line -> !line.isEmpty()).toList())
                .as("computer accounts on the controller: its own and the two workers'").hasSize(3);

        // Reduced isolation matrix: w1 reaches w2's remote desktop over the overlay only, and the controller's
        // directory (389) neither on the underlay nor anywhere else once the join is over.
        GuestAgentClient w1 = realm.guestAgent(vmId("q1-w1"));
        String overlayOfW2 = ready.get("members").get(1).get("overlayAddress").asText();
        assertThat(probe(w1, overlayOfW2, 3389)).as("w1 -> w2 over the overlay, 3389").isEqualTo("open");
        assertThat(probe(w1, underlayOf("q1-w2"), 3389)).as("w1 -> w2 on the underlay, 3389").isEqualTo("closed");
        assertThat(probe(w1, underlayOf("q1-controller"), 389)).as("w1 -> controller on the underlay, 389")
                .isEqualTo("closed");
        assertThat(probe(w1, "10.0.2.2", 22)).as("w1 -> the machine through the management NIC")
                .isEqualTo("closed");

        // Remote desktop from outside: through the server and w2's agent to w2's own xrdp.
        try (TunnelClient tunnel = TunnelClient.open(server.url(), "/constellations/q1/members/w2/tunnel?port=3389",
                admin.token)) {
            tunnel.send(HexFormat.of().parseHex("030000130ee000000000000100080003000000"));
            assertThat(HexFormat.of().formatHex(tunnel.awaitBytes(11, Duration.ofSeconds(60))))
                    .as("xrdp's X.224 connection confirm through a tunnel").startsWith("0300").contains("0ed0");
        }

        // One time in the constellation: w1's clock follows the controller's (munge and Kerberos need it).
        long timeDeadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        String tracking = "";
        while (System.nanoTime() < timeDeadline && !tracking.contains("(10.77.0.1)")) {
            tracking = w1.execute(List.of("/usr/bin/chronyc", "-n", "tracking"), Duration.ofSeconds(30)).output();
            Thread.sleep(2000);
        }
        assertThat(tracking).as("w1's chrony").contains("(10.77.0.1)");

        // Slurm: both workers are nodes, and one step runs on both as the owner's domain account.
        JsonNode batch = admin.get("/constellations/q1/batch").expect(200).json();
        assertThat(batch.get("nodes").findValuesAsText("name")).as("Slurm nodes: %s", batch)
                .containsExactlyInAnyOrder("w1", "w2");
        GuestAgentClient.Execution srun = w1.execute(List.of("/usr/sbin/runuser", "-l", "admin", "-c",
                "srun -N2 sh -c 'echo $(hostname) $(id -un)' | sort"), Duration.ofMinutes(2));
        assertThat(srun.output().lines().toList()).as("srun -N2 on real VMs: %s", srun.output() + srun.errors())
                .hasSize(2).allMatch(line -> line.endsWith(" admin")).doesNotHaveDuplicates();

        // The share, as a person finds it: the owner signs in on w1 with the domain password (a real PAM login: su
        // from an unprivileged account on a terminal, which opens a session as xrdp does and mounts ~/shared with the
        // ticket of that login), writes a file there, signs in on w2 and reads it, hers; on the controller the file
        // belongs to the domain account.
        admin.put("/constellations/q1/password", Map.of("password", OWNER_DESKTOP)).expect(204);
        GuestAgentClient.Execution wrote = signIn(w1, "admin", "echo 'results of run 7' > ~/shared/notes.txt"
                + " && echo written");
        assertThat(wrote.output()).as("writing on w1: %s", wrote.output() + wrote.errors()).contains("written");
        GuestAgentClient w2 = realm.guestAgent(vmId("q1-w2"));
        GuestAgentClient.Execution read = signIn(w2, "admin", "cat ~/shared/notes.txt; stat -c %U ~/shared/notes.txt");
        assertThat(read.output()).as("reading on w2: %s", read.output() + read.errors())
                .contains("results of run 7").contains("admin");
        List<String> owners = controller.execute(List.of("/bin/sh", "-c", "stat -c %u /srv/asterism/shared/notes.txt"
                + " && wbinfo -i \"$(wbinfo --own-domain)\\admin\" | cut -d: -f3"), Duration.ofMinutes(1)).output()
                .lines().map(String::strip).toList();
        assertThat(owners).as("the file's owner on the controller, and the owner's domain id").hasSize(2)
                .allMatch(owner -> owner.equals(owners.getFirst()));

        admin.delete("/constellations/q1").expect(202);
        await("q1", c -> c.get("state").asText().equals("DESTROYED"), "DESTROYED");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline && !(realm.list().isEmpty() && realm.processes().isEmpty()
                && realm.links().isEmpty())) {
            Thread.sleep(500);
        }
        assertThat(realm.list()).as("VMs of the realm").isEmpty();
        assertThat(realm.processes()).as("QEMU processes of the realm").isEmpty();
        assertThat(realm.links()).as("bridges and taps of the realm").isEmpty();
        try (var left = Files.list(server.dataDirectory.resolve("qemu"))) {
            assertThat(left.toList()).as("VM directories (disks)").isEmpty();
        }
        System.out.printf("whole test %.0f s%n", (System.nanoTime() - started) / 1e9);
    }

    /**
     * Signs {@code user} in with their desktop password through PAM (su, from the unprivileged account nobody, on a
     * terminal that script(1) makes; the password is typed once su asks, as a person types it) and runs
     * {@code command} in that session once ~/shared is there.
     */
    private static GuestAgentClient.Execution signIn(GuestAgentClient guest, String user, String command)
            throws Exception {
        String session = "i=0; until ls ~/shared/ >/dev/null 2>&1 || [ $i -ge 20 ]; do i=$((i+1)); sleep 1; done; "
                + command;
        return guest.execute(List.of("/bin/sh", "-c", "{ sleep 3; printf '%s\\n' \"$1\"; sleep 30; } | setpriv"
                + " --reuid=65534 --regid=65534 --clear-groups --reset-env -- env SHELL=/bin/sh SIGN_IN=\"$2\""
                + " SESSION=\"$3\" script -qec 'su \"$SIGN_IN\" -c \"$SESSION\"' /dev/null", "sh", OWNER_DESKTOP, user,
                session), Duration.ofMinutes(2));
    }

    /** open or closed: one TCP connection attempt of 3 s from inside a guest. */
    private static String probe(GuestAgentClient guest, String address, int port) throws Exception {
        return guest.execute(List.of("/usr/bin/python3", "-c", "import socket, sys\ns = socket.socket()\n"
                + "s.settimeout(3)\ntry:\n  s.connect((sys.argv[1], int(sys.argv[2]))); print('open')\n"
                + "except OSError:\n  print('closed')", address, Integer.toString(port)), Duration.ofSeconds(30))
                .output().strip();
    }

    private static String vmId(String name) {
        return server.admin.get("/vms/" + name).expect(200).json().get("id").asText();
    }

    private static String underlayOf(String name) {
        return server.admin.get("/vms/" + name).expect(200).json().get("addresses").get(0).asText();
    }

    private static List<String> phases(JsonNode constellation) {
        return constellation.get("members").findValuesAsText("phase");
    }

    private static JsonNode await(String name, java.util.function.Predicate<JsonNode> done, String what)
            throws InterruptedException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = server.admin.get("/constellations/" + name).expect(200).json();
            if (done.test(last)) {
                return last;
            }
            if (last.get("members") != null && last.get("members").findValuesAsText("phase").contains("FAILED")) {
                throw new AssertionError("a member of " + name + " failed: " + last);
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("constellation " + name + " did not reach " + what + " within " + READY_TIMEOUT
                + ": " + last);
    }
}
