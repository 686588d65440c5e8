package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.spi.guest.PortRange;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PortLeaseCommandsTest {

    @TempDir
    Path root;

    @Test
    void a_lease_opens_the_join_ports_for_one_address_until_it_is_closed() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        SimGuestPlatform joining = lab.newGuest("member-1");
        SimGuestPlatform other = lab.newGuest("member-2");
        String expiresAt = lab.clock.instant().plus(Duration.ofMinutes(10)).toString();

        CommandResult opened = lab.command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(
                Commands.LEASE_ID, "lease-1", Commands.SOURCE_ADDRESS, joining.underlayAddress().value(),
                Commands.EXPIRES_AT, expiresAt));

        assertThat(opened.ok()).as(opened.message()).isTrue();
        assertThat(opened.results()).containsEntry(Commands.LEASE_ID, "lease-1")
                .containsEntry(Commands.EXPIRES_AT, expiresAt);
        assertThat(joining.connect(controller.guest().underlayAddress(), PortRange.Protocol.TCP, 389)).isTrue();
        assertThat(other.connect(controller.guest().underlayAddress(), PortRange.Protocol.TCP, 389)).isFalse();

        CommandResult closed = lab.command(controller, CommandKind.CLOSE_PORT_LEASE,
                Map.of(Commands.LEASE_ID, "lease-1"));

        assertThat(closed.ok()).isTrue();
        assertThat(controller.guest().openLeaseCount()).isZero();
        assertThat(controller.guest().establishedConnectionCount()).isZero();
        assertThat(joining.connect(controller.guest().underlayAddress(), PortRange.Protocol.TCP, 389)).isFalse();
    }

    @Test
    void a_lease_expires_by_itself_at_its_deadline_and_closing_it_afterwards_succeeds() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        SimGuestPlatform joining = lab.newGuest("member-1");
        lab.command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(
                Commands.LEASE_ID, "lease-1", Commands.SOURCE_ADDRESS, joining.underlayAddress().value(),
                Commands.EXPIRES_AT, lab.clock.instant().plus(Duration.ofMinutes(10)).toString()));

        lab.clock.advance(Duration.ofMinutes(10));

        assertThat(controller.guest().openLeaseCount()).isZero();
        assertThat(joining.connect(controller.guest().underlayAddress(), PortRange.Protocol.TCP, 88)).isFalse();
        assertThat(lab.command(controller, CommandKind.CLOSE_PORT_LEASE, Map.of(Commands.LEASE_ID, "lease-1")).ok())
                .isTrue();
        assertThat(lab.command(controller, CommandKind.CLOSE_PORT_LEASE, Map.of(Commands.LEASE_ID, "never-opened"))
                .ok()).isTrue();
    }

    @Test
    void a_lease_whose_deadline_has_passed_is_refused_as_invalid() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();

        CommandResult refused = lab.command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(
                Commands.LEASE_ID, "lease-1", Commands.SOURCE_ADDRESS, "192.168.50.77",
                Commands.EXPIRES_AT, lab.clock.instant().minusSeconds(1).toString()));

        assertThat(refused.ok()).isFalse();
        assertThat(refused.message()).startsWith("OPEN_PORT_LEASE failed: ").contains("not in the future");
        assertThat(refused.results()).containsEntry(Commands.CODE, "INVALID").containsEntry(Commands.RETRYABLE, "false");
    }

    @Test
    void malformed_lease_arguments_are_named_in_the_answer() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();

        CommandResult badTime = lab.command(controller, CommandKind.OPEN_PORT_LEASE, Map.of(
                Commands.LEASE_ID, "lease-1", Commands.SOURCE_ADDRESS, "192.168.50.77",
                Commands.EXPIRES_AT, "tomorrow"));
        CommandResult badId = lab.command(controller, CommandKind.CLOSE_PORT_LEASE,
                Map.of(Commands.LEASE_ID, "lease with spaces"));

        assertThat(badTime.message()).isEqualTo("OPEN_PORT_LEASE argument 'expiresAt' is invalid: 'tomorrow' is not"
                + " an ISO-8601 instant such as 2025-01-01T00:00:00Z");
        assertThat(badId.message()).contains("argument 'leaseId' is invalid");
        assertThat(badId.results()).containsEntry(Commands.CODE, Commands.INVALID);
    }
}
