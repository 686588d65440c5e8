package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainMembership;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnboardingTest {

    @TempDir
    Path root;

    @Test
    void a_controller_provisions_its_domain_firewall_hub_and_share() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        SimGuestPlatform guest = controller.guest();

        assertThat(guest.domainController().provisionedDomain()).contains(DomainName.of(AgentLab.DOMAIN));
        assertThat(guest.vpnHub().publicKey()).isPresent();
        assertThat(guest.fileShare().shares()).containsEntry(ControllerRole.SHARE_NAME, ControllerRole.SHARE_PATH);
        assertThat(guest.firewall().baseline()).isPresent();
        assertThat(guest.allows(Ipv4Address.of("10.7.0.20"), PortRange.Protocol.TCP, 389))
                .as("the domain's services from the overlay").isTrue();
        assertThat(guest.allows(Ipv4Address.of("192.168.50.99"), PortRange.Protocol.TCP, 389))
                .as("the domain's services from the underlay, without a lease").isFalse();
        assertThat(guest.allows(Ipv4Address.of("192.168.50.99"), PortRange.Protocol.UDP, 51820))
                .as("the hub's port").isTrue();
        assertThat(controller.state().administratorPassword()).isPresent();
    }

    @Test
    void provisioning_again_keeps_the_hub_key_and_the_administrator_password() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        String password = controller.state().administratorPassword().orElseThrow().reveal();
        String hubKey = controller.guest().vpnHub().publicKey().orElseThrow().value();

        CommandResult again = lab.command(controller, CommandKind.PROVISION_CONTROLLER, Map.of(
                Commands.DOMAIN, AgentLab.DOMAIN, Commands.OVERLAY_SUBNET, AgentLab.OVERLAY_SUBNET,
                Commands.HUB_OVERLAY_ADDRESS, AgentLab.HUB_OVERLAY_ADDRESS, Commands.LISTEN_PORT, AgentLab.LISTEN_PORT));

        assertThat(again.ok()).as(again.message()).isTrue();
        assertThat(again.results()).containsEntry(Commands.HUB_PUBLIC_KEY, hubKey)
                .containsEntry(Commands.HUB_ENDPOINT_PORT, AgentLab.LISTEN_PORT);
        assertThat(controller.state().administratorPassword().orElseThrow().reveal()).isEqualTo(password);
    }

    @Test
    void a_member_stub_opens_its_sealed_bundle_joins_the_domain_and_the_controller_verifies_it() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        lab.openJoinPorts(controller, member);
        CommandResult sealed = lab.seal(controller, member, "WORKER-1");
        assertThat(lab.command(controller, CommandKind.VERIFY_JOIN, Map.of(Commands.COMPUTER_NAME, "WORKER-1"))
                .results()).containsEntry(Commands.JOINED, "false");

        member.transport().deliver(AgentLab.relay(sealed, "member-1"));

        assertThat(member.transport().sent(StepReport.class))
                .extracting(StepReport::stepIndex, StepReport::stepName, StepReport::status)
                .containsExactly(
                        tuple(0, "join-domain", StepStatus.STARTED),
                        tuple(0, "join-domain", StepStatus.SUCCEEDED),
                        tuple(1, StepReport.BUNDLE_COMPLETE, StepStatus.SUCCEEDED));
        assertThat(member.transport().sent(StepReport.class).get(1).message())
                .isEqualTo("joined C7.ASTERISM.TEST as WORKER-1 through " + controller.guest().underlayAddress());
        assertThat(member.guest().domainMember().membership()).contains(new DomainMembership(
                DomainName.of(AgentLab.DOMAIN), ComputerName.of("WORKER-1"), controller.guest().underlayAddress()));
        assertThat(lab.command(controller, CommandKind.VERIFY_JOIN, Map.of(Commands.COMPUTER_NAME, "worker-1"))
                .results()).containsEntry(Commands.JOINED, "true");
        assertThat(member.state().role()).contains(AgentRole.WORKER);
        assertThat(member.state().bundle()).hasValueSatisfying(bundle -> {
            assertThat(bundle.status()).isEqualTo(AgentState.BundleStatus.SUCCEEDED);
            assertThat(bundle.nextStep()).isEqualTo(1);
        });
    }

    @Test
    void a_bundle_delivered_again_after_its_steps_are_done_is_acknowledged_without_running_again() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        lab.openJoinPorts(controller, member);
        SealedBundle bundle = AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1");
        member.transport().deliver(bundle);
        StepReport done = member.transport().sent(StepReport.class).get(2);
        assertThat(done.stepName()).isEqualTo(StepReport.BUNDLE_COMPLETE);

        member.transport().deliver(bundle);
        AgentLab.Vm restarted = lab.restart(member);
        restarted.transport().deliver(bundle);

        assertThat(member.transport().sent(StepReport.class)).hasSize(4).last().isEqualTo(done);
        assertThat(restarted.transport().sent(StepReport.class)).containsExactly(done, done);
    }

    @Test
    void a_join_without_open_join_ports_fails_and_says_why() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        member.transport().deliver(AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1"));

        StepReport failed = member.transport().sent(StepReport.class).get(1);
        assertThat(failed.status()).isEqualTo(StepStatus.FAILED);
        assertThat(failed.message()).contains("cannot be reached").contains("join ports");
        assertThat(member.state().bundle().orElseThrow().status()).isEqualTo(AgentState.BundleStatus.FAILED);
        assertThat(member.state().role()).contains(AgentRole.STUB);
    }

    @Test
    void the_same_bundle_used_by_a_second_vm_fails_with_already_used() throws Exception {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        // A clone of the stub (same state, so the same key), as from a copied disk image.
        Path clonedState = root.resolve("clone");
        Files.createDirectories(clonedState);
        Files.copy(member.stateDirectory().resolve(AgentState.FILE_NAME), clonedState.resolve(AgentState.FILE_NAME));
        SimGuestPlatform cloneGuest = lab.newGuest("clone-1");
        lab.openJoinPorts(controller, member);
        lab.command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(Commands.LEASE_ID, "lease-clone",
                Commands.SOURCE_ADDRESS, cloneGuest.underlayAddress().value(),
                Commands.EXPIRES_AT, lab.clock.instant().plusSeconds(600).toString()));
        SealedBundle bundle = AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1");
        member.transport().deliver(bundle);

        AgentLab.Vm clone = lab.restart(member.vmId(), cloneGuest, clonedState, lab.options);
        clone.transport().deliver(bundle);

        StepReport failed = clone.transport().sent(StepReport.class).get(1);
        assertThat(failed.status()).isEqualTo(StepStatus.FAILED);
        assertThat(failed.stepName()).isEqualTo("join-domain");
        assertThat(failed.message()).contains("has been used already");
        assertThat(cloneGuest.domainMember().membership()).isEmpty();
    }

    @Test
    void an_old_bundle_no_longer_joins_after_a_fresh_seal_and_the_new_one_does() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        lab.openJoinPorts(controller, member);
        SealedBundle old = AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1");
        SealedBundle fresh = AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1");

        member.transport().deliver(old);
        member.transport().deliver(fresh);

        assertThat(member.transport().sent(StepReport.class))
                .extracting(StepReport::bundleId, StepReport::status)
                .containsExactly(
                        tuple(old.bundleId(), StepStatus.STARTED),
                        tuple(old.bundleId(), StepStatus.FAILED),
                        tuple(fresh.bundleId(), StepStatus.STARTED),
                        tuple(fresh.bundleId(), StepStatus.SUCCEEDED),
                        tuple(fresh.bundleId(), StepStatus.SUCCEEDED));
        assertThat(member.transport().sent(StepReport.class).get(1).message()).contains("is wrong");
        assertThat(lab.command(controller, CommandKind.VERIFY_JOIN, Map.of(Commands.COMPUTER_NAME, "WORKER-1"))
                .results()).containsEntry(Commands.JOINED, "true");
    }

    @Test
    void a_bundle_sealed_for_another_vm_does_not_open_and_is_reported_failed() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm first = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        AgentLab.Vm second = lab.registered("vm-member-2", lab.newGuest("member-2"), AgentRole.STUB);

        second.transport().deliver(AgentLab.relay(lab.seal(controller, first, "WORKER-1"), "member-1"));

        assertThat(second.transport().sent(StepReport.class)).singleElement().satisfies(report -> {
            assertThat(report.status()).isEqualTo(StepStatus.FAILED);
            assertThat(report.stepName()).isEqualTo(JoinBundleRunner.OPEN_STEP);
            assertThat(report.message()).contains("cannot be opened by this VM");
        });
        assertThat(second.state().bundle()).isEmpty();
    }

    @Test
    void a_guest_without_a_domain_member_part_reports_the_join_step_failed() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        SimGuestPlatform limited = lab.network.addGuest("limited", Ipv4Address.of("192.168.50.200"),
                EnumSet.of(GuestCapability.VPN_SPOKE));
        AgentLab.Vm member = lab.registered("vm-member-1", limited, AgentRole.STUB);

        member.transport().deliver(AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1"));

        assertThat(member.transport().sent(StepReport.class).get(1).message()).contains("cannot join a domain");
    }
}
