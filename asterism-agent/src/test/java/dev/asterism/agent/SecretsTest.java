package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;

import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.CommandKind;
import dev.asterism.protocol.CommandResult;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The invariant: domain secrets never leave the controlling VM, and nothing the agents send or log holds one. */
class SecretsTest {

    @TempDir
    Path root;

    @Test
    void no_message_sent_and_no_log_line_holds_the_administrator_password_or_a_one_time_password() throws Exception {
        List<String> oneTimePasswords = new ArrayList<>();
        String administratorPassword;
        AgentLab lab = new AgentLab(root);
        try (LogCapture log = new LogCapture()) {
            AgentLab.Vm controller = lab.provisionedController();
            administratorPassword = controller.state().administratorPassword().orElseThrow().reveal();
            for (int index = 1; index <= 3; index++) {
                AgentLab.Vm member = lab.registered("vm-member-" + index, lab.newGuest("member-" + index),
                        AgentRole.STUB);
                if (index != 2) {
                    lab.openJoinPorts(controller, member);
                }
                CommandResult sealed = lab.seal(controller, member, "WORKER-" + index);
                SealedBundle bundle = AgentLab.relay(sealed, "member-" + index);
                oneTimePasswords.add(openAsMember(member, bundle).oneTimePassword());
                member.transport().deliver(bundle);
                member.transport().deliver(bundle);
                member = lab.restart(member);
                String spokeKey = lab.command(member, CommandKind.VPN_SPOKE_KEY, Map.of()).results()
                        .get(Commands.PUBLIC_KEY);
                lab.command(controller, CommandKind.ADD_VPN_PEER, Map.of(Commands.PEER_PUBLIC_KEY, spokeKey,
                        Commands.OVERLAY_ADDRESS, "10.7.0." + (10 + index)));
                lab.command(controller, CommandKind.VERIFY_JOIN, Map.of(Commands.COMPUTER_NAME, "WORKER-" + index));
            }
            lab.restart(controller);
            String everything = lab.everythingSent() + "\n" + log.text();

            assertThat(lab.everythingSent()).contains(StepStatus.FAILED.name()).contains(StepStatus.SUCCEEDED.name());
            assertThat(log.text()).contains("is registered with the role").contains("FAILED");
            assertThat(administratorPassword).hasSizeGreaterThanOrEqualTo(24);
            assertThat(everything).doesNotContain(administratorPassword);
            assertThat(oneTimePasswords).hasSize(3).doesNotHaveDuplicates()
                    .allSatisfy(password -> {
                        assertThat(password).hasSizeGreaterThanOrEqualTo(24);
                        assertThat(everything).doesNotContain(password);
                    });
        }
    }

    @Test
    void a_stub_keeps_only_the_ciphertext_of_its_bundle_and_the_controller_keeps_no_one_time_password()
            throws Exception {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm controller = lab.provisionedController();
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        lab.openJoinPorts(controller, member);
        SealedBundle bundle = AgentLab.relay(lab.seal(controller, member, "WORKER-1"), "member-1");
        String oneTimePassword = openAsMember(member, bundle).oneTimePassword();

        member.transport().deliver(bundle);

        assertThat(member.transport().sent(StepReport.class)).last()
                .satisfies(report -> assertThat(report.status()).isEqualTo(StepStatus.SUCCEEDED));
        assertThat(Files.readString(member.stateDirectory().resolve(AgentState.FILE_NAME)))
                .doesNotContain(oneTimePassword).contains(bundle.sealed().ciphertext());
        assertThat(Files.readString(controller.stateDirectory().resolve(AgentState.FILE_NAME)))
                .doesNotContain(oneTimePassword);
    }

    /** What only the member can read: the test holds the member's private key from its state. */
    private static JoinBundle openAsMember(AgentLab.Vm member, SealedBundle bundle) {
        byte[] plaintext = new Sealing().open(bundle.sealed(), member.state().privateKey(),
                JoinBundle.associatedDataFor(member.vmId()));
        return new ProtocolCodec().decodeJoinBundle(plaintext);
    }
}
