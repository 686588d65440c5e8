package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.guest.sim.SimOperation;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.spi.guest.FirewallBaseline;
import dev.asterism.spi.guest.GuestException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {

    @TempDir
    Path root;

    private static Map<String, String> sealArguments(AgentLab.Vm controller, AgentLab.Vm member) {
        return Map.of(
                Commands.MEMBER_NAME, "member-1",
                Commands.MEMBER_VM_ID, member.vmId(),
                Commands.COMPUTER_NAME, "WORKER-1",
                Commands.MEMBER_PUBLIC_KEY, member.state().publicKey(),
                Commands.DC_ADDRESS, controller.guest().underlayAddress().value());
    }

    @Test
    void a_repeated_command_id_is_answered_with_the_kept_result_without_running_again() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        CommandResult first = lab.command(controller, "seal-1", CommandKind.SEAL_JOIN_BUNDLE,
                sealArguments(controller, member));
        // Were the command run again, this fault would fail it.
        controller.guest().failNext(SimOperation.PRESET_COMPUTER, GuestException.Code.UNAVAILABLE);

        CommandResult again = lab.command(controller, "seal-1", CommandKind.SEAL_JOIN_BUNDLE,
                sealArguments(controller, member));
        CommandResult afterRestart = lab.command(lab.restart(controller), "seal-1", CommandKind.SEAL_JOIN_BUNDLE,
                sealArguments(controller, member));

        assertThat(again).isEqualTo(first);
        assertThat(afterRestart).isEqualTo(first);
        controller.guest().clearFaults();
    }

    @Test
    void a_command_id_reused_for_another_command_is_refused() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        lab.command(controller, "command-x", CommandKind.VERIFY_JOIN, Map.of(Commands.COMPUTER_NAME, "WORKER-1"));

        CommandResult reused = lab.command(controller, "command-x", CommandKind.VERIFY_JOIN,
                Map.of(Commands.COMPUTER_NAME, "WORKER-2"));

        assertThat(reused.ok()).isFalse();
        assertThat(reused.results()).containsEntry(Commands.CODE, Commands.CONFLICT);
        assertThat(reused.message()).contains("command id command-x was used for another command");
        assertThat(lab.command(controller, "command-x", CommandKind.VERIFY_JOIN,
                Map.of(Commands.COMPUTER_NAME, "WORKER-1")).ok()).isTrue();
    }

    @Test
    void a_missing_argument_is_named_in_the_answer() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();

        CommandResult refused = lab.command(controller, CommandKind.VERIFY_JOIN, Map.of());

        assertThat(refused.ok()).isFalse();
        assertThat(refused.message()).isEqualTo("VERIFY_JOIN needs the argument 'computerName'");
        assertThat(refused.results()).containsEntry(Commands.CODE, Commands.INVALID)
                .containsEntry(Commands.RETRYABLE, "false");
    }

    @Test
    void a_controller_command_to_a_stub_is_refused_for_its_role() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm stub = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        CommandResult refused = lab.command(stub, CommandKind.PROVISION_CONTROLLER, Map.of(
                Commands.DOMAIN, AgentLab.DOMAIN, Commands.OVERLAY_SUBNET, AgentLab.OVERLAY_SUBNET,
                Commands.HUB_OVERLAY_ADDRESS, AgentLab.HUB_OVERLAY_ADDRESS, Commands.LISTEN_PORT, "51820"));

        assertThat(refused.ok()).isFalse();
        assertThat(refused.message()).isEqualTo("PROVISION_CONTROLLER is not run by an agent whose role is stub");
        assertThat(refused.results()).containsEntry(Commands.CODE, Commands.WRONG_ROLE);
        assertThat(stub.guest().domainController().provisionedDomain()).isEmpty();
    }

    @Test
    void sealing_before_provisioning_says_what_to_do_first() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.registered("vm-controller", lab.newGuest("controller"), AgentRole.CONTROLLER);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        CommandResult refused = lab.command(controller, CommandKind.SEAL_JOIN_BUNDLE,
                sealArguments(controller, member));

        assertThat(refused.message()).isEqualTo(
                "SEAL_JOIN_BUNDLE needs a provisioned controller: send PROVISION_CONTROLLER first");
        assertThat(refused.results()).containsEntry(Commands.CODE, Commands.NOT_FOUND);
    }

    @Test
    void a_guest_failure_that_may_pass_is_retryable_and_the_same_id_runs_again() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        controller.guest().failNext(SimOperation.VERIFY_JOIN, GuestException.Code.UNAVAILABLE);

        CommandResult failed = lab.command(controller, "verify-1", CommandKind.VERIFY_JOIN,
                Map.of(Commands.COMPUTER_NAME, "WORKER-1"));
        CommandResult retried = lab.command(controller, "verify-1", CommandKind.VERIFY_JOIN,
                Map.of(Commands.COMPUTER_NAME, "WORKER-1"));

        assertThat(failed.ok()).isFalse();
        assertThat(failed.message()).isEqualTo("VERIFY_JOIN failed: injected failure of VERIFY_JOIN on controller");
        assertThat(failed.results()).containsEntry(Commands.CODE, "UNAVAILABLE")
                .containsEntry(Commands.RETRYABLE, "true");
        assertThat(retried.ok()).isTrue();
        assertThat(retried.results()).containsEntry(Commands.JOINED, "false");
    }

    @Test
    void a_bad_member_key_and_a_bad_computer_name_are_refused_as_invalid() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        Map<String, String> badKey = new HashMap<>(sealArguments(controller, member));
        badKey.put(Commands.MEMBER_PUBLIC_KEY, "not-a-key");
        Map<String, String> badName = new HashMap<>(sealArguments(controller, member));
        badName.put(Commands.COMPUTER_NAME, "a name that is far too long");

        CommandResult keyRefused = lab.command(controller, CommandKind.SEAL_JOIN_BUNDLE, badKey);
        CommandResult nameRefused = lab.command(controller, CommandKind.SEAL_JOIN_BUNDLE, badName);

        assertThat(keyRefused.message()).startsWith("SEAL_JOIN_BUNDLE argument 'memberPublicKey' is invalid");
        assertThat(nameRefused.message()).startsWith("SEAL_JOIN_BUNDLE argument 'computerName' is invalid");
        assertThat(controller.guest().computerCount()).isZero();
    }

    @Test
    void preset_computer_on_its_own_is_refused_because_sealing_does_it() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();

        CommandResult refused = lab.command(controller, CommandKind.PRESET_COMPUTER,
                Map.of(Commands.COMPUTER_NAME, "WORKER-1"));

        assertThat(refused.results()).containsEntry(Commands.CODE, Commands.UNSUPPORTED);
        assertThat(refused.message()).contains("SEAL_JOIN_BUNDLE presets the computer");
    }

    @Test
    void removing_a_computer_deletes_its_account_and_removing_it_again_succeeds() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        lab.seal(controller, member, "WORKER-1");
        assertThat(controller.guest().computerCount()).isEqualTo(1);

        assertThat(lab.command(controller, CommandKind.REMOVE_COMPUTER, Map.of(Commands.COMPUTER_NAME, "WORKER-1"))
                .ok()).isTrue();
        assertThat(lab.command(controller, CommandKind.REMOVE_COMPUTER, Map.of(Commands.COMPUTER_NAME, "WORKER-1"))
                .ok()).isTrue();
        assertThat(controller.guest().computerCount()).isZero();
    }

    @Test
    void a_restarted_controller_provisions_its_settings_again() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        controller.agent().close();
        controller.guest().firewall().applyBaseline(FirewallBaseline.dropAll());

        AgentLab.Vm restarted = lab.restart(controller);

        assertThat(restarted.guest().firewall().baseline().orElseThrow().rules()).isNotEmpty();
    }
}
