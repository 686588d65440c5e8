package dev.asterism.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import dev.asterism.guest.sim.SimGuestPlatform;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Join bundles with script steps, sealed by the test in the controller's place. */
class JoinStepsTest {

    private static final String ONE_TIME_PASSWORD = "One-Time-Password-4711-xyz";

    @TempDir
    Path root;

    private static SealedBundle sealedFor(AgentLab.Vm member, String bundleId, List<JoinBundle.Step> steps) {
        return sealedFor(member, bundleId, steps, "");
    }

    private static SealedBundle sealedFor(AgentLab.Vm member, String bundleId, List<JoinBundle.Step> steps,
            String batchKey) {
        JoinBundle bundle = new JoinBundle("member-1", AgentLab.DOMAIN, "WORKER-1", ONE_TIME_PASSWORD, "192.168.50.2",
                steps, batchKey);
        byte[] plaintext = new ProtocolCodec().encodeJoinBundle(bundle);
        return new SealedBundle(bundleId, "member-1", new Sealing().seal(plaintext,
                Sealing.decodePublicKey(member.state().publicKey()), JoinBundle.associatedDataFor(member.vmId())));
    }

    @Test
    void a_step_that_reboots_is_followed_after_the_restart_by_the_next_step() {
        AgentLab lab = new AgentLab(root);
        SimGuestPlatform guest = lab.newGuest("member-1");
        AgentLab.Vm member = lab.registered("vm-member-1", guest, AgentRole.STUB);
        String bootBefore = guest.power().bootId();
        SealedBundle bundle = sealedFor(member, "bundle-1", List.of(
                new JoinBundle.Step("rename", "echo renaming", true),
                new JoinBundle.Step("configure", "echo configuring", false)));

        member.transport().deliver(bundle);

        assertThat(guest.power().bootId()).isNotEqualTo(bootBefore);
        assertThat(member.agent().stopped()).isCompleted();
        assertThat(member.agent().stopped().join().reason()).isEqualTo(Agent.StopReason.REBOOTED);
        assertThat(member.transport().sent(StepReport.class))
                .extracting(StepReport::stepIndex, StepReport::status)
                .containsExactly(tuple(0, StepStatus.STARTED), tuple(0, StepStatus.REBOOTING));
        assertThat(AgentState.load(member.stateDirectory()).bundle().orElseThrow().nextStep()).isEqualTo(1);

        AgentLab.Vm afterReboot = lab.restart(member);

        assertThat(afterReboot.transport().sent(StepReport.class))
                .extracting(StepReport::stepIndex, StepReport::stepName, StepReport::status)
                .containsExactly(
                        tuple(0, "rename", StepStatus.REBOOTING),
                        tuple(1, "configure", StepStatus.STARTED),
                        tuple(1, "configure", StepStatus.SUCCEEDED),
                        tuple(2, StepReport.BUNDLE_COMPLETE, StepStatus.SUCCEEDED));
        assertThat(afterReboot.state().bundle().orElseThrow().status()).isEqualTo(AgentState.BundleStatus.SUCCEEDED);
        assertThat(afterReboot.state().role()).contains(AgentRole.WORKER);
        assertThat(afterReboot.agent().stopped()).isNotDone();
    }

    @Test
    void a_reboot_after_the_last_step_completes_the_bundle_after_the_restart() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        member.transport().deliver(sealedFor(member, "bundle-1",
                List.of(new JoinBundle.Step("rename", "echo renaming", true))));
        AgentLab.Vm afterReboot = lab.restart(member);

        assertThat(afterReboot.transport().sent(StepReport.class)).extracting(StepReport::stepName, StepReport::status)
                .containsExactly(tuple("rename", StepStatus.REBOOTING),
                        tuple(StepReport.BUNDLE_COMPLETE, StepStatus.SUCCEEDED));
        assertThat(afterReboot.state().bundle().orElseThrow().status()).isEqualTo(AgentState.BundleStatus.SUCCEEDED);
        assertThat(afterReboot.state().role()).contains(AgentRole.WORKER);
    }

    @Test
    void a_failing_script_is_reported_with_its_status_and_output_but_never_the_one_time_password() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        member.transport().deliver(sealedFor(member, "bundle-1", List.of(
                new JoinBundle.Step("leaky", "echo the password is $ASTERISM_ONE_TIME_PASSWORD\nexit 3", false),
                new JoinBundle.Step("never-run", "echo never", false))));

        List<StepReport> reports = member.transport().sent(StepReport.class);
        assertThat(reports).extracting(StepReport::stepIndex, StepReport::status)
                .containsExactly(tuple(0, StepStatus.STARTED), tuple(0, StepStatus.FAILED));
        assertThat(reports.get(1).message()).isEqualTo("step leaky exited with status 3: the password is <redacted>");
        assertThat(lab.everythingSent()).doesNotContain(ONE_TIME_PASSWORD);
        assertThat(member.state().bundle().orElseThrow().status()).isEqualTo(AgentState.BundleStatus.FAILED);
    }

    @Test
    void a_script_gets_the_one_time_password_in_its_secret_environment() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        // The sim shell's exit status is the script's verdict: it fails unless the variable is set.
        member.transport().deliver(sealedFor(member, "bundle-1", List.of(new JoinBundle.Step("check",
                "echo $ASTERISM_ONE_TIME_PASSWORD $ASTERISM_COMPUTER_NAME\nexit 0", false))));

        assertThat(member.transport().sent(StepReport.class)).extracting(StepReport::status)
                .containsExactly(StepStatus.STARTED, StepStatus.SUCCEEDED, StepStatus.SUCCEEDED);
    }

    @Test
    void a_member_without_a_batch_node_part_passes_the_batch_step_saying_so_and_never_shows_the_key() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);

        member.transport().deliver(sealedFor(member, "bundle-1", List.of(new JoinBundle.Step(
                JoinBundle.BATCH_NODE_STEP, "# kept by the agent\n", false)), "c2VjcmV0LW11bmdlLWtleQ=="));

        List<StepReport> reports = member.transport().sent(StepReport.class);
        assertThat(reports).extracting(StepReport::status)
                .containsExactly(StepStatus.STARTED, StepStatus.SUCCEEDED, StepStatus.SUCCEEDED);
        assertThat(reports.get(1).message()).contains("not a batch node");
        assertThat(reports).extracting(StepReport::message).noneMatch(message -> message.contains("c2VjcmV0"));
    }

    @Test
    void a_restart_after_a_failed_step_repeats_only_the_failure_report() {
        AgentLab lab = new AgentLab(root);
        AgentLab.Vm member = lab.registered("vm-member-1", lab.newGuest("member-1"), AgentRole.STUB);
        member.transport().deliver(sealedFor(member, "bundle-1", List.of(
                new JoinBundle.Step("first", "echo one", false),
                new JoinBundle.Step("second", "exit 1", false))));

        AgentLab.Vm restarted = lab.restart(member);

        assertThat(restarted.transport().sent(StepReport.class)).singleElement()
                .satisfies(report -> assertThat(report.status()).isEqualTo(StepStatus.FAILED));
    }
}
