package dev.asterism.guest.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.Endpoint;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.FirewallRule;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.Ipv4Subnet;
import dev.asterism.spi.guest.PortRange;
import dev.asterism.spi.guest.PortRange.Protocol;
import dev.asterism.spi.guest.Secret;
import dev.asterism.spi.guest.VpnPublicKey;
import dev.asterism.spi.guest.VpnSpokeConfig;
import dev.asterism.testing.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A persistent network's guests come back from their files as they were: a VM outlives its simulator. */
class SimGuestNetworkPersistenceTest {
    private static final DomainName DOMAIN = DomainName.of("P1.ASTERISM.TEST");
    private static final Ipv4Subnet OVERLAY = Ipv4Subnet.of("10.78.0.0/24");
    private static final Ipv4Address CONTROLLER = Ipv4Address.of("192.168.60.2");
    private static final Ipv4Address MEMBER = Ipv4Address.of("192.168.60.10");
    private static final Ipv4Address LATE = Ipv4Address.of("192.168.60.11");

    @TempDir
    Path directory;

    private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

    @Test
    public void disk_and_memory_survive_reopening_and_a_lease_still_expires_at_its_deadline() throws Exception {
        SimGuestNetwork first = SimGuestNetwork.persistentIn(clock, directory);
        SimGuestPlatform controller = first.addOrResume("controller", CONTROLLER);
        SimGuestPlatform member = first.addOrResume("worker-1", MEMBER);
        first.addOrResume("worker-2", LATE);
        controller.domainController().provision(DOMAIN, Secret.of("Admin-Pass-2030"));
        controller.domainController().createUser("ada", Secret.of("Ada-Pass-2030"));
        controller.fileShare().ensureShare("projects", "/srv/projects");
        controller.firewall().applyBaseline(new FirewallBaseline(List.of(
                new FirewallRule(Ipv4Subnet.of("192.168.60.0/24"), PortRange.udp(51820)),
                new FirewallRule(OVERLAY, PortRange.tcp(445)))));
        controller.domainController().presetComputer(ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1"));
        controller.domainController().presetComputer(ComputerName.of("WORKER-2"), Secret.of("One-Time-Pass-2"));
        controller.firewall().openLease("join-1", MEMBER, controller.domainController().joinPorts(),
                clock.instant().plusSeconds(60));
        controller.firewall().openLease("join-2", LATE, controller.domainController().joinPorts(),
                clock.instant().plusSeconds(600));
        member.domainMember().join(DOMAIN, CONTROLLER, ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1"));
        VpnPublicKey hubKey = controller.vpnHub().ensureInterface(Ipv4Address.of("10.78.0.1"), OVERLAY, 51820);
        VpnPublicKey spokeKey = member.vpnSpoke().ensureInterface();
        controller.vpnHub().addPeer(spokeKey, Ipv4Address.of("10.78.0.10"), Optional.empty());
        member.vpnSpoke().configure(new VpnSpokeConfig(hubKey, new Endpoint(CONTROLLER, 51820),
                Ipv4Address.of("10.78.0.10"), OVERLAY));
        assertThat(member.vpnSpoke().latestHandshake()).isPresent();
        member.fileShareClient().writeFile(CONTROLLER, "projects", "a.txt", "ada",
                Secret.of("Ada-Pass-2030"), "hello".getBytes(StandardCharsets.UTF_8));
        String bootId = member.power().bootId();

        clock.advance(Duration.ofSeconds(61));
        SimGuestNetwork second = SimGuestNetwork.persistentIn(clock, directory);
        assertThat(second.guests()).hasSize(3);
        SimGuestPlatform controllerAgain = second.addOrResume("controller", CONTROLLER);
        SimGuestPlatform memberAgain = second.addOrResume("worker-1", MEMBER);

        assertThat(controllerAgain.domainController().provisionedDomain()).contains(DOMAIN);
        assertThat(controllerAgain.domainController().verifyJoin(ComputerName.of("WORKER-1"))).isTrue();
        assertThat(controllerAgain.domainController().users()).contains("ada");
        assertThat(controllerAgain.vpnHub().publicKey()).contains(hubKey);
        assertThat(controllerAgain.peerCount()).isEqualTo(1);
        assertThat(controllerAgain.firewall().openLeases()).as("the expired lease is gone, the other is open")
                .extracting(lease -> lease.leaseId()).containsExactly("join-2");
        assertThat(controllerAgain.allows(LATE, Protocol.TCP, 389)).isTrue();
        assertThat(memberAgain.power().bootId()).as("no reboot happened").isEqualTo(bootId);
        assertThat(memberAgain.domainMember().membership()).isPresent();
        assertThat(memberAgain.vpnSpoke().latestHandshake()).isPresent();
        assertThat(new String(second.addOrResume("worker-2", LATE).fileShareClient().readFile(CONTROLLER, "projects",
                "a.txt", "ada", Secret.of("Ada-Pass-2030")), StandardCharsets.UTF_8)).isEqualTo("hello");
        GuestException reused = catchThrowableOfType(GuestException.class, () -> second.addOrResume("worker-2", LATE)
                .domainMember().join(DOMAIN, CONTROLLER, ComputerName.of("WORKER-1"), Secret.of("One-Time-Pass-1")));
        assertThat(reused.code()).as("a used one-time password stays used").isEqualTo(GuestException.Code.ALREADY_USED);

        clock.advance(Duration.ofMinutes(10));
        assertThat(SimGuestNetwork.persistentIn(clock, directory).openLeaseCount()).isZero();
        try (var files = Files.list(directory)) {
            assertThat(files.toList()).hasSize(3).allSatisfy(file -> assertThat(
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------"));
        }
    }

    @Test
    public void a_removed_guest_does_not_come_back_and_a_rebooted_one_comes_back_rebooted() {
        SimGuestNetwork first = SimGuestNetwork.persistentIn(clock, directory);
        SimGuestPlatform controller = first.addOrResume("controller", CONTROLLER);
        first.addOrResume("worker-1", MEMBER);
        controller.firewall().applyBaseline(FirewallBaseline.dropAll());
        controller.firewall().openLease("join-1", MEMBER, List.of(PortRange.tcp(389)), clock.instant().plusSeconds(60));
        String bootId = controller.power().bootId();
        controller.reboot();
        first.removeGuest(MEMBER);

        SimGuestNetwork second = SimGuestNetwork.persistentIn(clock, directory);
        assertThat(second.guests()).extracting(SimGuestPlatform::underlayAddress).containsExactly(CONTROLLER);
        SimGuestPlatform again = second.guests().getFirst();
        assertThat(again.power().bootId()).isNotEqualTo(bootId);
        assertThat(again.openLeaseCount()).as("a reboot lost the lease").isZero();
        assertThat(again.firewall().baseline()).as("the baseline is on disk").isPresent();
    }
}
