package dev.asterism.guest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.PortRange.Protocol;
import dev.asterism.spi.guest.ScriptResult;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import dev.asterism.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** What only the sim platform has: its fault switches, its reboot model, its network and its invariant counts. */
class SimGuestPlatformTest {

    private static final DomainName DOMAIN = DomainName.of("C7.ASTERISM.TEST");
    private static final Ipv4Subnet OVERLAY = Ipv4Subnet.of("10.77.0.0/24");
    private static final Ipv4Address HUB_OVERLAY = Ipv4Address.of("10.77.0.1");
    private static final int VPN_PORT = 51820;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    private final SimGuestNetwork network = new SimGuestNetwork(clock);
    private final SimGuestPlatform controller = network.addGuest("controller", Ipv4Address.of("192.168.50.2"));
    private final SimGuestPlatform member = network.addGuest("worker-1", Ipv4Address.of("192.168.50.10"));

    private static Code failureCode(ThrowingCallable call) {
        GuestException failure = catchThrowableOfType(GuestException.class, call);
        assertThat(failure).as("expected a GuestException").isNotNull();
        return failure.code();
    }

    private void provisionAndPreset(String computer, String oneTimePassword) {
        controller.domainController().provision(DOMAIN, Secret.of("Admin-Pass-2030"));
        controller.domainController().presetComputer(ComputerName.of(computer), Secret.of(oneTimePassword));
    }

    private void join(SimGuestPlatform guest, String computer, String oneTimePassword) {
        guest.domainMember().join(DOMAIN, controller.underlayAddress(), ComputerName.of(computer),
                Secret.of(oneTimePassword));
    }

    private VpnSpokeConfig connectSpoke(SimGuestPlatform spoke, String overlayAddress) {
        VpnPublicKey hubKey = controller.vpnHub().ensureInterface(HUB_OVERLAY, OVERLAY, VPN_PORT);
        VpnPublicKey spokeKey = spoke.vpnSpoke().ensureInterface();
        controller.vpnHub().addPeer(spokeKey, Ipv4Address.of(overlayAddress), Optional.empty());
        VpnSpokeConfig config = new VpnSpokeConfig(hubKey, new Endpoint(controller.underlayAddress(), VPN_PORT),
                Ipv4Address.of(overlayAddress), OVERLAY);
        spoke.vpnSpoke().configure(config);
        return config;
    }

    // ---- leases and connectivity ----------------------------------------------------------------------------

    @Test
    public void a_lease_lets_its_source_in_until_the_clock_reaches_its_deadline() {
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());
        Ipv4Address source = member.underlayAddress();
        assertThat(controller.allows(source, Protocol.TCP, 389)).as("before the lease").isFalse();

        controller.firewall().openLease("m1", source, List.of(PortRange.tcp(389)), clock.instant().plusSeconds(60));

        assertThat(controller.allows(source, Protocol.TCP, 389)).isTrue();
        assertThat(controller.allows(source, Protocol.TCP, 445)).as("a port outside the lease").isFalse();
        assertThat(controller.allows(Ipv4Address.of("192.168.50.99"), Protocol.TCP, 389)).as("another source").isFalse();
        clock.advance(Duration.ofSeconds(59));
        assertThat(controller.openLeaseCount()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(controller.allows(source, Protocol.TCP, 389)).isFalse();
        assertThat(controller.openLeaseCount()).isZero();
    }

    @Test
    public void an_expired_lease_keeps_established_connections_until_close_flushes_them() {
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());
        controller.firewall().openLease("m1", member.underlayAddress(), List.of(PortRange.tcp(445)),
                clock.instant().plusSeconds(60));
        assertThat(member.connect(controller.underlayAddress(), Protocol.TCP, 445)).isTrue();

        clock.advance(Duration.ofMinutes(2));
        assertThat(member.connect(controller.underlayAddress(), Protocol.TCP, 445)).as("a new connection").isFalse();
        assertThat(controller.establishedConnectionCount()).as("conntrack keeps the old one").isEqualTo(1);

        controller.firewall().closeLease("m1");
        assertThat(controller.establishedConnectionCount()).isZero();
    }

    @Test
    public void a_join_needs_the_join_ports_open_through_the_baseline() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());

        assertThat(failureCode(() -> join(member, "WORKER-1", "One-Time-Pass-1"))).isEqualTo(Code.UNAVAILABLE);
        assertThat(controller.domainController().verifyJoin(ComputerName.of("WORKER-1")))
                .as("a join that could not reach the controller does not burn the password").isFalse();

        controller.firewall().openLease("m1", member.underlayAddress(), controller.domainController().joinPorts(),
                clock.instant().plusSeconds(60));
        join(member, "WORKER-1", "One-Time-Pass-1");
        assertThat(controller.domainController().verifyJoin(ComputerName.of("WORKER-1"))).isTrue();
    }

    @Test
    public void a_join_after_the_lease_expired_cannot_reach_the_controller() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());
        controller.firewall().openLease("m1", member.underlayAddress(), controller.domainController().joinPorts(),
                clock.instant().plusSeconds(60));

        clock.advance(Duration.ofSeconds(60));

        assertThat(failureCode(() -> join(member, "WORKER-1", "One-Time-Pass-1"))).isEqualTo(Code.UNAVAILABLE);
    }

    @Test
    public void members_reach_each_other_over_the_vpn_only() {
        SimGuestPlatform other = network.addGuest("worker-2", Ipv4Address.of("192.168.50.11"));
        FirewallBaseline workerBaseline = new FirewallBaseline(List.of(new FirewallRule(OVERLAY, PortRange.tcp(3389))));
        member.firewall().applyBaseline(workerBaseline);
        other.firewall().applyBaseline(workerBaseline);

        assertThat(other.connect(member.underlayAddress(), Protocol.TCP, 3389)).as("over the underlay").isFalse();

        connectSpoke(member, "10.77.0.11");
        connectSpoke(other, "10.77.0.12");

        assertThat(other.connect(Ipv4Address.of("10.77.0.11"), Protocol.TCP, 3389)).as("over the overlay").isTrue();
        assertThat(other.connect(Ipv4Address.of("10.77.0.11"), Protocol.TCP, 22)).as("a closed port").isFalse();
    }

    // ---- one-time passwords ---------------------------------------------------------------------------------

    @Test
    public void a_one_time_password_works_exactly_once_even_for_another_name_of_the_same_guest() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        SimGuestPlatform second = network.addGuest("worker-2", Ipv4Address.of("192.168.50.11"));
        join(member, "WORKER-1", "One-Time-Pass-1");

        assertThat(failureCode(() -> join(second, "WORKER-1", "One-Time-Pass-1"))).isEqualTo(Code.ALREADY_USED);
        assertThat(failureCode(() -> join(second, "WORKER-1", "Wrong-Pass-22"))).isEqualTo(Code.ALREADY_USED);
        assertThat(failureCode(() -> join(member, "WORKER-9", "One-Time-Pass-1"))).isEqualTo(Code.CONFLICT);
        assertThat(failureCode(() -> join(second, "WORKER-9", "One-Time-Pass-1"))).isEqualTo(Code.NOT_FOUND);
    }

    // ---- reboots --------------------------------------------------------------------------------------------

    @Test
    public void a_reboot_loses_an_unpersisted_spoke_configuration_and_its_handshake() {
        connectSpoke(member, "10.77.0.11");
        assertThat(member.vpnSpoke().handshakeSeen()).isTrue();

        member.reboot();

        assertThat(member.vpnSpoke().configuration()).isEmpty();
        assertThat(member.vpnSpoke().handshakeSeen()).isFalse();
        assertThat(failureCode(() -> member.vpnSpoke().persist())).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    public void a_reboot_closes_every_lease_and_keeps_the_baseline_and_the_domain() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        FirewallBaseline baseline = FirewallBaseline.dropAll();
        controller.firewall().applyBaseline(baseline);
        controller.firewall().openLease("m1", member.underlayAddress(), List.of(PortRange.tcp(389)),
                clock.instant().plusSeconds(60));
        connectSpoke(member, "10.77.0.11");

        controller.reboot();

        assertThat(controller.openLeaseCount()).isZero();
        assertThat(controller.firewall().baseline()).contains(baseline);
        assertThat(controller.domainController().provisionedDomain()).contains(DOMAIN);
        assertThat(controller.computerCount()).isEqualTo(1);
        assertThat(controller.peerCount()).isEqualTo(1);
    }

    // ---- fault switches -------------------------------------------------------------------------------------

    @Test
    public void fail_next_fails_one_call_without_acting_and_the_retry_succeeds() {
        controller.domainController().provision(DOMAIN, Secret.of("Admin-Pass-2030"));
        controller.failNext(SimOperation.PRESET_COMPUTER, Code.UNAVAILABLE);

        GuestException failure = catchThrowableOfType(GuestException.class, () -> controller.domainController()
                .presetComputer(ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1")));

        assertThat(failure.code()).isEqualTo(Code.UNAVAILABLE);
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.getMessage()).doesNotContain("One-Time-Pass-1");
        assertThat(controller.computerCount()).isZero();
        controller.domainController().presetComputer(ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1"));
        assertThat(controller.computerCount()).isEqualTo(1);
    }

    @Test
    public void a_lost_response_means_the_work_was_done_and_the_retry_is_idempotent() {
        controller.loseNextResponse(SimOperation.OPEN_LEASE);
        Instant expiresAt = clock.instant().plusSeconds(60);

        assertThat(failureCode(() -> controller.firewall().openLease(
                "m1", member.underlayAddress(), List.of(PortRange.tcp(389)), expiresAt))).isEqualTo(Code.UNAVAILABLE);
        assertThat(controller.openLeaseCount()).isEqualTo(1);

        controller.firewall().openLease("m1", member.underlayAddress(), List.of(PortRange.tcp(389)), expiresAt);
        assertThat(controller.openLeaseCount()).isEqualTo(1);
    }

    @Test
    public void faults_are_queued_per_operation_and_can_be_cleared() {
        member.failNext(SimOperation.RUN_SCRIPT, Code.TIMEOUT);
        member.failNext(SimOperation.RUN_SCRIPT, Code.UNAVAILABLE);

        assertThat(failureCode(() -> member.scripts().run("step", "true", Duration.ofSeconds(5)))).isEqualTo(Code.TIMEOUT);
        member.clearFaults();

        assertThat(member.scripts().run("step", "true", Duration.ofSeconds(5)).exitCode()).isZero();
    }

    @Test
    public void never_handshake_keeps_a_correct_tunnel_down_until_switched_off() {
        member.neverHandshake(true);
        connectSpoke(member, "10.77.0.11");

        clock.advance(Duration.ofMinutes(5));
        assertThat(member.vpnSpoke().handshakeSeen()).isFalse();
        assertThat(controller.vpnHub().peers().getFirst().latestHandshake()).isEmpty();

        member.neverHandshake(false);
        assertThat(member.vpnSpoke().handshakeSeen()).isTrue();
    }

    @Test
    public void a_spoke_without_its_peer_on_the_hub_sees_no_handshake() {
        connectSpoke(member, "10.77.0.11");
        controller.vpnHub().removePeer(member.vpnSpoke().ensureInterface());

        assertThat(member.vpnSpoke().handshakeSeen()).isFalse();
    }

    @Test
    public void a_hub_firewall_without_the_vpn_port_blocks_the_handshake() {
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());
        connectSpoke(member, "10.77.0.11");
        assertThat(member.vpnSpoke().handshakeSeen()).isFalse();

        controller.firewall().applyBaseline(new FirewallBaseline(
                List.of(new FirewallRule(Ipv4Subnet.of("192.168.50.0/24"), PortRange.udp(VPN_PORT)))));
        assertThat(member.vpnSpoke().handshakeSeen()).isTrue();
    }

    // ---- capabilities, scripts, invariants ------------------------------------------------------------------

    @Test
    public void a_missing_part_is_unsupported() {
        SimGuestPlatform plain = network.addGuest(
                "plain", Ipv4Address.of("192.168.50.20"), EnumSet.of(GuestCapability.DOMAIN_MEMBER));

        assertThat(plain.capabilities()).containsExactly(GuestCapability.DOMAIN_MEMBER);
        assertThat(failureCode(plain::domainController)).isEqualTo(Code.UNSUPPORTED);
        assertThat(failureCode(plain::vpnHub)).isEqualTo(Code.UNSUPPORTED);
        assertThatCode(plain::domainMember).doesNotThrowAnyException();
        assertThatCode(plain::scripts).doesNotThrowAnyException();
    }

    @Test
    public void scripts_see_their_secrets_and_time_out_without_waiting() {
        ScriptResult result = member.scripts().run("join-step", "echo joining as $USER\nunknown-tool\n",
                Map.of("USER", Secret.of("worker-1")), Duration.ofSeconds(5));

        assertThat(result.output()).isEqualTo("joining as worker-1\nsim: unknown-tool: command not found");
        assertThat(result.exitCode()).isEqualTo(127);
        assertThat(failureCode(() -> member.scripts().run("slow", "sleep 10", Duration.ofSeconds(5))))
                .isEqualTo(Code.TIMEOUT);
    }

    @Test
    public void long_script_output_keeps_its_end() {
        String script = "echo start\n" + "echo 0123456789012345678901234567890123456789\n".repeat(1000) + "echo end";

        ScriptResult result = member.scripts().run("chatty", script, Duration.ofSeconds(5));

        assertThat(result.truncated()).isTrue();
        assertThat(result.output()).hasSize(ScriptResult.MAX_OUTPUT_CHARS).endsWith("end");
    }

    @Test
    public void the_network_counts_what_cleanup_must_remove() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        controller.firewall().openLease("m1", member.underlayAddress(), List.of(PortRange.tcp(389)),
                clock.instant().plusSeconds(60));
        connectSpoke(member, "10.77.0.11");
        assertThat(network.openLeaseCount()).isEqualTo(1);
        assertThat(network.peerCount()).isEqualTo(1);
        assertThat(network.computerCount()).isEqualTo(1);

        controller.firewall().closeLease("m1");
        controller.vpnHub().removePeer(member.vpnSpoke().ensureInterface());
        controller.domainController().removeComputer(ComputerName.of("WORKER-1"));

        assertThat(network.openLeaseCount()).isZero();
        assertThat(network.peerCount()).isZero();
        assertThat(network.computerCount()).isZero();
    }

    @Test
    public void many_threads_open_and_close_leases_consistently() throws Exception {
        List<Callable<Void>> tasks = new ArrayList<>();
        for (int thread = 0; thread < 8; thread++) {
            int base = thread * 100;
            tasks.add(() -> {
                for (int lease = base; lease < base + 100; lease++) {
                    controller.firewall().openLease("lease-" + lease, Ipv4Address.fromBits(0x0A000000L + lease),
                            List.of(PortRange.tcp(389)), clock.instant().plusSeconds(60));
                    if (lease % 2 == 0) {
                        controller.firewall().closeLease("lease-" + lease);
                    }
                }
                return null;
            });
        }
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Future<Void> done : executor.invokeAll(tasks)) {
                done.get();
            }
        }

        assertThat(controller.openLeaseCount()).isEqualTo(400);
    }

    @Test
    public void a_member_on_the_vpn_joins_through_the_tunnel_without_any_lease() {
        provisionAndPreset("WORKER-1", "One-Time-Pass-1");
        controller.firewall().applyBaseline(new FirewallBaseline(List.of(
                new FirewallRule(OVERLAY, PortRange.tcp(88)), new FirewallRule(OVERLAY, PortRange.tcp(389)),
                new FirewallRule(Ipv4Subnet.of("0.0.0.0/0"), PortRange.udp(VPN_PORT)))));
        assertThat(failureCode(() -> join(member, "WORKER-1", "One-Time-Pass-1")))
                .as("from the underlay without a lease").isEqualTo(Code.UNAVAILABLE);

        connectSpoke(member, "10.77.0.10");
        member.domainMember().join(DOMAIN, HUB_OVERLAY, ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1"));

        assertThat(controller.domainController().verifyJoin(ComputerName.of("WORKER-1"))).isTrue();
        assertThat(controller.openLeaseCount()).isZero();
    }
}
