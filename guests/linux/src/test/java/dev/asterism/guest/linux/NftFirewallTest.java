package dev.asterism.guest.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortLease;
import dev.asterism.spi.guest.PortRange;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The nftables firewall in a real network namespace (the "guest"), probed by real TCP connections from a second
 * namespace (the joining VM) over a veth pair: the baseline drops, a lease opens its ports to its source only,
 * the kernel closes it at its deadline, closing it early works, and the baseline can be replaced under an open
 * lease. Needs root, iproute2, nftables, conntrack and python3 (for the listeners); the namespaces are this test's
 * own ({@value #PREFIX}*) and removed afterwards, leftovers of a crashed run first.
 */
class NftFirewallTest {
    private static final String PREFIX = "astfw-";
    private static final String INSTALL_HINT = "apt-get install iproute2 nftables conntrack python3, and run as root";
    private static final String GUEST_ADDRESS = "10.250.7.1";
    private static final Ipv4Address MEMBER = Ipv4Address.of("10.250.7.2");

    private final String guest = PREFIX + ProcessHandle.current().pid() + "-g";
    private final String member = PREFIX + ProcessHandle.current().pid() + "-m";
    private final List<Process> listeners = new ArrayList<>();
    private NftFirewall firewall;

    @BeforeEach
    void createNamespaces() throws Exception {
        removeLeftovers();
        sh("ip netns add " + guest);
        sh("ip netns add " + member);
        String link = "astfw" + (ProcessHandle.current().pid() % 100000);
        sh("ip link add " + link + "a netns " + guest + " type veth peer name " + link + "b netns " + member);
        sh("ip -n " + guest + " addr add " + GUEST_ADDRESS + "/24 dev " + link + "a");
        sh("ip -n " + member + " addr add " + MEMBER.value() + "/24 dev " + link + "b");
        for (String namespace : List.of(guest, member)) {
            sh("ip -n " + namespace + " link set lo up");
        }
        sh("ip -n " + guest + " link set " + link + "a up");
        sh("ip -n " + member + " link set " + link + "b up");
        for (int port : List.of(389, 445)) {
            listeners.add(new ProcessBuilder("ip", "netns", "exec", guest, "python3", "-m", "http.server",
                    "--bind", GUEST_ADDRESS, Integer.toString(port)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!reaches(389) || !reaches(445)) {
            assertThat(System.nanoTime()).as("the listeners in %s start", guest).isLessThan(deadline);
            Thread.sleep(50);
        }
        firewall = new NftFirewall(HostCommands.inNetworkNamespace(guest), Clock.systemUTC());
    }

    @AfterEach
    void removeNamespaces() throws Exception {
        for (Process listener : listeners) {
            listener.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (String namespace : List.of(guest, member)) {
            run("ip netns del " + namespace);
        }
    }

    @Test
    void the_baseline_drops_and_a_lease_opens_its_ports_to_its_source_until_the_kernel_closes_it() throws Exception {
        FirewallBaseline baseline = new FirewallBaseline(List.of(
                new FirewallRule(Ipv4Subnet.of(MEMBER.value() + "/32"), PortRange.tcp(445)),
                new FirewallRule(Ipv4Subnet.of("0.0.0.0/0"), PortRange.udp(51820))));
        firewall.applyBaseline(baseline);
        assertThat(firewall.baseline()).contains(baseline);
        assertThat(reaches(389)).as("389 before a lease").isFalse();
        assertThat(reaches(445)).as("445 by the baseline").isTrue();

        firewall.openLease("lease-1", MEMBER, List.of(PortRange.tcp(389), PortRange.tcp(49152, 65535),
                PortRange.icmpEcho()), Clock.systemUTC().instant().plusMillis(2500));
        firewall.openLease("lease-1", MEMBER, List.of(PortRange.tcp(389), PortRange.tcp(49152, 65535),
                PortRange.icmpEcho()), Clock.systemUTC().instant().plusMillis(2500));
        assertThat(reaches(389)).as("389 through the lease").isTrue();
        List<PortLease> open = firewall.openLeases();
        assertThat(open).hasSize(1);
        assertThat(open.getFirst().leaseId()).isEqualTo("lease-1");
        assertThat(open.getFirst().source()).isEqualTo(MEMBER);
        assertThat(open.getFirst().ports()).containsExactlyInAnyOrder(PortRange.tcp(389),
                PortRange.tcp(49152, 65535), PortRange.icmpEcho());

        Thread.sleep(3500);
        assertThat(firewall.openLeases()).as("the kernel removed the lease at its deadline").isEmpty();
        assertThat(reaches(389)).as("389 after the lease's deadline").isFalse();
        firewall.closeLease("lease-1");
    }

    @Test
    void closing_a_lease_early_shuts_its_ports_and_a_new_baseline_leaves_open_leases_alone() throws Exception {
        firewall.applyBaseline(FirewallBaseline.dropAll());
        firewall.openLease("lease-2", MEMBER, List.of(PortRange.tcp(389)), Clock.systemUTC().instant().plusSeconds(60));
        assertThat(reaches(389)).isTrue();

        firewall.applyBaseline(new FirewallBaseline(List.of(
                new FirewallRule(Ipv4Subnet.of(MEMBER.value() + "/32"), PortRange.tcp(445)))));
        assertThat(reaches(389)).as("the lease survives a new baseline").isTrue();
        assertThat(reaches(445)).isTrue();

        firewall.closeLease("lease-2");
        assertThat(reaches(389)).as("389 after closing the lease").isFalse();
        assertThat(firewall.openLeases()).isEmpty();
        firewall.closeLease("lease-2");

        GuestException past = catchThrowableOfType(GuestException.class, () -> firewall.openLease("lease-3", MEMBER,
                List.of(PortRange.tcp(389)), Clock.systemUTC().instant().minusSeconds(1)));
        assertThat(past.code()).isEqualTo(GuestException.Code.INVALID);
    }

    @Test
    void an_established_connection_outlives_the_expiry_of_its_lease_but_not_its_closing() throws Exception {
        firewall.applyBaseline(FirewallBaseline.dropAll());

        firewall.openLease("lease-4", MEMBER, List.of(PortRange.tcp(389)), Clock.systemUTC().instant().plusSeconds(2));
        HeldConnection kept = HeldConnection.open(member, GUEST_ADDRESS, 389);
        Thread.sleep(3000);
        assertThat(reaches(389)).as("a new connection after the lease expired").isFalse();
        assertThat(kept.exchange()).as("the established one, as with conntrack on Linux").isEqualTo("answered");

        firewall.openLease("lease-5", MEMBER, List.of(PortRange.tcp(389)), Clock.systemUTC().instant().plusSeconds(2));
        HeldConnection cut = HeldConnection.open(member, GUEST_ADDRESS, 389);
        Thread.sleep(3000);
        firewall.closeLease("lease-5");
        assertThat(cut.exchange()).as("after closing the expired lease, which flushes its source's connections")
                .isEqualTo("cut");
    }

    /** A TCP connection from a namespace, held open by a small python3 client until asked to send a request. */
    private record HeldConnection(Process process, BufferedReader output, Writer input) {
        private static final String CLIENT = String.join("\n",
                "import socket, sys",
                "s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)",
                "print('connected', flush=True)",
                "sys.stdin.readline()",
                "try:",
                "    s.settimeout(2)",
                "    s.sendall(b'GET / HTTP/1.0\\r\\n\\r\\n')",
                "    print('answered' if s.recv(1) else 'cut', flush=True)",
                "except OSError:",
                "    print('cut', flush=True)");

        static HeldConnection open(String namespace, String address, int port) throws Exception {
            Process process = new ProcessBuilder("ip", "netns", "exec", namespace, "python3", "-c", CLIENT, address,
                    Integer.toString(port)).redirectErrorStream(true).start();
            var output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            assertThat(output.readLine()).isEqualTo("connected");
            return new HeldConnection(process, output, new OutputStreamWriter(process.getOutputStream(),
                    StandardCharsets.UTF_8));
        }

        /** Sends a request now and says whether it was answered or the connection was cut. */
        String exchange() throws Exception {
            input.write("go\n");
            input.flush();
            String result = output.readLine();
            process.waitFor(10, TimeUnit.SECONDS);
            return result;
        }
    }

    // ---- the namespaces

    /** A real TCP connection from the member's namespace to the guest's address and port, with a 1 s limit. */
    private boolean reaches(int port) throws Exception {
        return run("ip netns exec " + member + " timeout 1 bash -c '</dev/tcp/" + GUEST_ADDRESS + "/" + port + "'") == 0;
    }

    private static void removeLeftovers() throws Exception {
        Process list = new ProcessBuilder("ip", "netns", "list").start();
        String names = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        list.waitFor();
        for (String line : names.split("\n")) {
            String name = line.split(" ")[0];
            if (name.startsWith(PREFIX)) {
                run("ip netns del " + name);
            }
        }
    }

    private static void sh(String command) throws Exception {
        Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("`%s` failed: %s (%s)", command, output.strip(), INSTALL_HINT).isZero();
    }

    private static int run(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return process.waitFor();
    }
}
