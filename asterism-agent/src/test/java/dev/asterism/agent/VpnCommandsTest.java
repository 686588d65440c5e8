package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.spi.guest.VpnPublicKey;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VpnCommandsTest {

    private static final String MEMBER_OVERLAY_ADDRESS = "10.7.0.10";

    @TempDir
    Path root;

    @Test
    void a_member_spoke_admitted_by_the_hub_completes_a_handshake_and_keeps_its_configuration() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        CommandResult key = lab.command(member, CommandKind.VPN_SPOKE_KEY, Map.of());
        assertThat(key.ok()).as(key.message()).isTrue();
        CommandResult peer = lab.command(controller, CommandKind.ADD_VPN_PEER, Map.of(
                Commands.PEER_PUBLIC_KEY, key.results().get(Commands.PUBLIC_KEY),
                Commands.OVERLAY_ADDRESS, MEMBER_OVERLAY_ADDRESS));
        assertThat(peer.ok()).as(peer.message()).isTrue();
        assertThat(peer.results())
                .containsEntry(Commands.HUB_PUBLIC_KEY, controller.guest().vpnHub().publicKey().orElseThrow().value())
                .containsEntry(Commands.HUB_ENDPOINT, controller.guest().underlayAddress() + ":" + AgentLab.LISTEN_PORT)
                .containsEntry(Commands.ALLOWED_SUBNET, AgentLab.OVERLAY_SUBNET);
        CommandResult configured = lab.command(member, CommandKind.CONFIGURE_VPN_SPOKE, Map.of(
                Commands.HUB_PUBLIC_KEY, peer.results().get(Commands.HUB_PUBLIC_KEY),
                Commands.HUB_ENDPOINT, peer.results().get(Commands.HUB_ENDPOINT),
                Commands.OVERLAY_ADDRESS, MEMBER_OVERLAY_ADDRESS,
                Commands.ALLOWED_SUBNET, peer.results().get(Commands.ALLOWED_SUBNET)));

        assertThat(configured.ok()).as(configured.message()).isTrue();
        assertThat(configured.results()).containsExactly(Map.entry(Commands.HANDSHAKE, "true"));
        assertThat(member.guest().vpnSpoke().handshakeSeen()).isTrue();
        member.guest().reboot();
        assertThat(member.guest().vpnSpoke().configuration()).as("persisted").isPresent();
        assertThat(controller.guest().vpnHub().peers()).singleElement()
                .satisfies(vpnPeer -> assertThat(vpnPeer.latestHandshake()).isPresent());
    }

    @Test
    void the_spoke_key_is_the_same_on_every_call() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        String first = lab.command(member, CommandKind.VPN_SPOKE_KEY, Map.of()).results().get(Commands.PUBLIC_KEY);
        String second = lab.command(member, CommandKind.VPN_SPOKE_KEY, Map.of()).results().get(Commands.PUBLIC_KEY);

        assertThat(VpnPublicKey.of(first)).isEqualTo(VpnPublicKey.of(second));
    }

    @Test
    void a_spoke_that_never_handshakes_fails_after_the_bounded_wait_as_retryable_and_is_not_persisted() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        String spokeKey = lab.command(member, CommandKind.VPN_SPOKE_KEY, Map.of()).results().get(Commands.PUBLIC_KEY);
        CommandResult peer = lab.command(controller, CommandKind.ADD_VPN_PEER, Map.of(
                Commands.PEER_PUBLIC_KEY, spokeKey, Commands.OVERLAY_ADDRESS, MEMBER_OVERLAY_ADDRESS));
        member.guest().neverHandshake(true);
        Instant before = lab.clock.instant();
        Map<String, String> arguments = Map.of(
                Commands.HUB_PUBLIC_KEY, peer.results().get(Commands.HUB_PUBLIC_KEY),
                Commands.HUB_ENDPOINT, peer.results().get(Commands.HUB_ENDPOINT),
                Commands.OVERLAY_ADDRESS, MEMBER_OVERLAY_ADDRESS,
                Commands.ALLOWED_SUBNET, AgentLab.OVERLAY_SUBNET);

        CommandResult failed = lab.command(member, "configure-1", CommandKind.CONFIGURE_VPN_SPOKE, arguments);

        assertThat(failed.ok()).isFalse();
        assertThat(failed.message()).contains("no handshake with the hub").contains("within 30 s");
        assertThat(failed.results()).containsEntry(Commands.CODE, "TIMEOUT").containsEntry(Commands.RETRYABLE, "true");
        assertThat(lab.clock.instant()).isEqualTo(before.plusSeconds(30));
        member.guest().reboot();
        assertThat(member.guest().vpnSpoke().configuration()).isEmpty();

        member.guest().neverHandshake(false);
        CommandResult retried = lab.command(member, "configure-1", CommandKind.CONFIGURE_VPN_SPOKE, arguments);
        assertThat(retried.ok()).as("a retryable failure is not kept, so the same id runs again").isTrue();
    }

    @Test
    void removing_a_peer_cuts_it_from_the_hub_and_removing_it_again_succeeds() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        String key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        lab.command(controller, CommandKind.ADD_VPN_PEER, Map.of(Commands.PEER_PUBLIC_KEY, key,
                Commands.OVERLAY_ADDRESS, MEMBER_OVERLAY_ADDRESS, Commands.ENDPOINT, "192.168.50.40:51820"));
        assertThat(controller.guest().peerCount()).isEqualTo(1);

        assertThat(lab.command(controller, CommandKind.REMOVE_VPN_PEER, Map.of(Commands.PEER_PUBLIC_KEY, key)).ok())
                .isTrue();
        assertThat(lab.command(controller, CommandKind.REMOVE_VPN_PEER, Map.of(Commands.PEER_PUBLIC_KEY, key)).ok())
                .isTrue();
        assertThat(controller.guest().peerCount()).isZero();
    }

    @Test
    void a_peer_address_outside_the_overlay_is_refused_with_a_readable_message() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();

        CommandResult refused = lab.command(controller, CommandKind.ADD_VPN_PEER, Map.of(
                Commands.PEER_PUBLIC_KEY, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                Commands.OVERLAY_ADDRESS, "10.8.0.10"));

        assertThat(refused.ok()).isFalse();
        assertThat(refused.message()).isEqualTo("ADD_VPN_PEER failed: peer address 10.8.0.10 must be in 10.7.0.0/24"
                + " and not the hub's own");
        assertThat(refused.results()).containsEntry(Commands.CODE, "INVALID");
    }
}
