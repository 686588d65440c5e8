package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.agent.AgentState.BundleStatus;
import dev.asterism.agent.AgentState.PendingBundle;
import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.JoinBundle;
import dev.asterism.protocol.Message;
import dev.asterism.protocol.ProtocolCodec;
import dev.asterism.protocol.ProtocolException;
import dev.asterism.protocol.SealedBox;
import dev.asterism.protocol.SealedBundle;
import dev.asterism.protocol.Sealing;
import dev.asterism.protocol.SealingException;
import dev.asterism.protocol.StepReport;
import dev.asterism.protocol.StepStatus;
import dev.asterism.spi.guest.ComputerName;
import dev.asterism.spi.guest.DomainName;
import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.ScriptResult;
import dev.asterism.spi.guest.Secret;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The stub's part: opens a sealed join bundle, runs its steps in order and reports each one, recording progress in
 * the {@link AgentState} after every step so that a crash or a reboot resumes with the first step not finished.
 *
 * <p>Only the ciphertext is kept on disk; the bundle is opened again whenever its steps are needed. The one-time
 * password reaches the guest only as {@code DomainMember.join}'s secret or as the script's secret environment
 * variable {@value #ONE_TIME_PASSWORD_VARIABLE}, and is cut out of every report message.
 */
final class JoinBundleRunner {

    /** The secret environment variable that holds the one-time password for a script step. */
    static final String ONE_TIME_PASSWORD_VARIABLE = "ASTERISM_ONE_TIME_PASSWORD";
    /** The step name reported when a bundle cannot be opened at all. */
    static final String OPEN_STEP = "open-bundle";

    private static final System.Logger LOG = System.getLogger(JoinBundleRunner.class.getName());
    private static final int MAX_OUTPUT_IN_REPORT = 400;
    private static final String REDACTED = "<redacted>";

    /** How a run of steps ended. */
    enum Outcome {
        /** No more steps will run for now: the bundle succeeded, failed, or was only acknowledged. */
        SETTLED,
        /** A step asked for a reboot and the guest rebooted; this agent instance must stop. */
        REBOOTED
    }

    private final AgentState state;
    private final GuestPlatform platform;
    private final Clock clock;
    private final AgentOptions options;
    private final Consumer<Message> send;
    private final Sealing sealing = new Sealing();
    private final ProtocolCodec codec = new ProtocolCodec();

    JoinBundleRunner(AgentState state, GuestPlatform platform, Clock clock, AgentOptions options,
            Consumer<Message> send) {
        this.state = requireNonNull(state, "state is null");
        this.platform = requireNonNull(platform, "platform is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.options = requireNonNull(options, "options is null");
        this.send = requireNonNull(send, "send is null");
    }

    /**
     * Handles a bundle the server relayed: a new one is opened, kept and run; one seen before is acknowledged with
     * its last report (done or failed) or resumed (still running) without running finished steps again.
     */
    Outcome accept(SealedBundle delivered) {
        PendingBundle known = state.bundle().orElse(null);
        if (known != null && known.bundleId().equals(delivered.bundleId())) {
            if (known.status() == BundleStatus.RUNNING) {
                return resume();
            }
            state.lastStepReport().ifPresent(send);
            return Outcome.SETTLED;
        }
        if (state.role().filter(AgentRole.CONTROLLER::equals).isPresent()) {
            report(delivered.bundleId(), 0, OPEN_STEP, StepStatus.FAILED,
                    "this VM is a constellation's controller; join bundles are for new members");
            return Outcome.SETTLED;
        }
        JoinBundle bundle;
        try {
            bundle = open(delivered.sealed());
        } catch (SealingException | ProtocolException unreadable) {
            report(delivered.bundleId(), 0, OPEN_STEP, StepStatus.FAILED,
                    "the join bundle cannot be opened by this VM: " + unreadable.getMessage());
            return Outcome.SETTLED;
        }
        PendingBundle pending = new PendingBundle(delivered.bundleId(), delivered.memberName(), delivered.sealed(), 0,
                BundleStatus.RUNNING);
        state.acceptBundle(pending);
        return runFrom(pending, bundle);
    }

    /** Resumes the kept bundle at its next step, as after a restart. Does nothing when none is running. */
    Outcome resume() {
        PendingBundle pending = state.bundle().orElse(null);
        if (pending == null || pending.status() != BundleStatus.RUNNING) {
            return Outcome.SETTLED;
        }
        JoinBundle bundle;
        try {
            bundle = open(pending.sealed());
        } catch (SealingException | ProtocolException unreadable) {
            // The same key opened it before; only a damaged state gets here.
            StepReport failed = stepReport(pending.bundleId(), pending.nextStep(), OPEN_STEP, StepStatus.FAILED,
                    "the kept join bundle no longer opens: " + unreadable.getMessage());
            state.recordStep(pending.at(pending.nextStep(), BundleStatus.FAILED), failed);
            send.accept(failed);
            return Outcome.SETTLED;
        }
        return runFrom(pending, bundle);
    }

    private JoinBundle open(SealedBox sealed) {
        byte[] plaintext = sealing.open(sealed, state.privateKey(), JoinBundle.associatedDataFor(state.vmId()));
        try {
            return codec.decodeJoinBundle(plaintext);
        } finally {
            Arrays.fill(plaintext, (byte) 0);
        }
    }

    private Outcome runFrom(PendingBundle pending, JoinBundle bundle) {
        int count = bundle.steps().size();
        for (int index = pending.nextStep(); index < count; index++) {
            JoinBundle.Step step = bundle.steps().get(index);
            record(pending.at(index, BundleStatus.RUNNING), index, step, StepStatus.STARTED, "");
            String outcome;
            try {
                outcome = run(step, bundle);
            } catch (GuestException | IllegalArgumentException | StepFailure failure) {
                record(pending.at(index, BundleStatus.FAILED), index, step, StepStatus.FAILED,
                        redact(failure.getMessage(), bundle));
                return Outcome.SETTLED;
            }
            boolean last = index + 1 == count;
            if (step.rebootAfter()) {
                record(pending.at(index + 1, BundleStatus.RUNNING), index, step, StepStatus.REBOOTING,
                        redact(outcome, bundle) + "; rebooting");
                try {
                    platform.power().reboot();
                } catch (GuestException failure) {
                    record(pending.at(index + 1, BundleStatus.FAILED), index, step, StepStatus.FAILED,
                            "the reboot after step " + step.name() + " failed: " + redact(failure.getMessage(), bundle));
                    return Outcome.SETTLED;
                }
                return Outcome.REBOOTED;
            }
            record(pending.at(index + 1, last ? BundleStatus.SUCCEEDED : BundleStatus.RUNNING), index, step,
                    StepStatus.SUCCEEDED, redact(outcome, bundle));
        }
        finish(pending.at(count, BundleStatus.SUCCEEDED));
        return Outcome.SETTLED;
    }

    /** Marks the bundle done and says so with a final report, which a re-delivered bundle gets again. */
    private void finish(PendingBundle done) {
        StepReport complete = stepReport(done.bundleId(), done.nextStep(), StepReport.BUNDLE_COMPLETE,
                StepStatus.SUCCEEDED, "all " + done.nextStep() + " steps done");
        state.recordStep(done, complete);
        log(complete);
        send.accept(complete);
        if (state.role().filter(AgentRole.STUB::equals).isPresent()) {
            state.changeRole(AgentRole.WORKER);
        }
    }

    /** Runs one step; returns what a person reads when it succeeded. */
    private String run(JoinBundle.Step step, JoinBundle bundle) {
        if (step.name().equals(ControllerRole.JOIN_DOMAIN_STEP)) {
            if (!platform.capabilities().contains(GuestCapability.DOMAIN_MEMBER)) {
                throw new StepFailure("the " + platform.name() + " guest platform of this VM cannot join a domain");
            }
            DomainName domain = DomainName.of(bundle.domain());
            ComputerName computerName = ComputerName.of(bundle.computerName());
            Ipv4Address controller = Ipv4Address.of(bundle.dcAddress());
            platform.domainMember().join(domain, controller, computerName, Secret.of(bundle.oneTimePassword()));
            return "joined " + domain + " as " + computerName + " through " + controller;
        }
        if (step.name().equals(JoinBundle.BATCH_NODE_STEP)) {
            if (!platform.capabilities().contains(GuestCapability.BATCH_NODE) || bundle.batchKey().isEmpty()) {
                return "not a batch node: the " + platform.name() + " guest platform of this VM runs no batch jobs";
            }
            platform.batchNode().prepare(bundle.memberName(), Secret.of(bundle.batchKey()));
            return "the batch scheduler's key is in place for node " + bundle.memberName();
        }
        ScriptResult result = platform.scripts().run(step.name(), step.script(), environment(bundle),
                options.scriptTimeout());
        if (!result.succeeded()) {
            throw new StepFailure("step " + step.name() + " exited with status " + result.exitCode()
                    + tail(result.output()));
        }
        return "step " + step.name() + " finished";
    }

    private static Map<String, Secret> environment(JoinBundle bundle) {
        Map<String, Secret> environment = new LinkedHashMap<>();
        environment.put(ONE_TIME_PASSWORD_VARIABLE, Secret.of(bundle.oneTimePassword()));
        environment.put("ASTERISM_DOMAIN", Secret.of(bundle.domain()));
        environment.put("ASTERISM_COMPUTER_NAME", Secret.of(bundle.computerName()));
        environment.put("ASTERISM_DC_ADDRESS", Secret.of(bundle.dcAddress()));
        environment.put("ASTERISM_MEMBER_NAME", Secret.of(bundle.memberName()));
        return environment;
    }

    private static String tail(String output) {
        if (output.isEmpty()) {
            return "";
        }
        String kept = output.length() <= MAX_OUTPUT_IN_REPORT
                ? output
                : "..." + output.substring(output.length() - MAX_OUTPUT_IN_REPORT);
        return ": " + kept;
    }

    /** The text without the one-time password and the batch key, wherever a tool or a script may have echoed them. */
    private static String redact(String text, JoinBundle bundle) {
        String message = text == null ? "" : text;
        message = message.replace(bundle.oneTimePassword(), REDACTED);
        return bundle.batchKey().isEmpty() ? message : message.replace(bundle.batchKey(), REDACTED);
    }

    private void record(PendingBundle progress, int index, JoinBundle.Step step, StepStatus status, String message) {
        StepReport report = stepReport(progress.bundleId(), index, step.name(), status, message);
        state.recordStep(progress, report);
        log(report);
        send.accept(report);
    }

    private void report(String bundleId, int index, String stepName, StepStatus status, String message) {
        StepReport report = stepReport(bundleId, index, stepName, status, message);
        log(report);
        send.accept(report);
    }

    /** Logs the report; its message never holds the one-time password (see {@link #redact}). */
    private static void log(StepReport report) {
        Level level = report.status() == StepStatus.FAILED ? Level.WARNING : Level.INFO;
        LOG.log(level, "join bundle {0}, step {1} ({2}): {3} {4}", report.bundleId(), report.stepIndex(),
                report.stepName(), report.status(), report.message());
    }

    private StepReport stepReport(String bundleId, int index, String stepName, StepStatus status, String message) {
        return new StepReport(bundleId, index, stepName, status, message, clock.instant());
    }

    /** A step that ended without success for a reason of its own (a script's exit status). */
    private static final class StepFailure extends RuntimeException {
        StepFailure(String message) {
            super(message);
        }
    }
}
