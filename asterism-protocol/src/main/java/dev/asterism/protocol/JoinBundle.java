package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * What a sealed join bundle holds: everything a stub needs to make its VM a member of a constellation's domain.
 * The controller builds it, encodes it with {@link ProtocolCodec#encodeJoinBundle}, and
 * {@linkplain Sealing#seal seals} it to the stub's public key with {@link #associatedDataFor}{@code (vmId)}; the
 * stub opens it with the same associated data and runs the steps in order, resuming after a reboot with the step
 * after the last one it finished.
 *
 * <p>{@code toString} redacts the one-time password, the batch key and every script (a script may embed the password), and
 * shows only step names.
 *
 * @param memberName the member's name in the constellation
 * @param domain the domain to join, for example {@code C7.ASTERISM.TEST}
 * @param computerName the computer account the controller preset
 * @param oneTimePassword the computer account's one-time password (a secret; it works once)
 * @param dcAddress the domain controller's underlay address, reachable during the join window
 * @param steps the scripts to run, in order; at least one
 * @param batchKey the constellation's batch scheduler key (munge's, base64; a secret), which the step
 *     {@value #BATCH_NODE_STEP} installs, or empty when the constellation has no batch scheduler
 * @throws IllegalArgumentException when a text is blank or there is no step
 * @throws NullPointerException when a field or a step is null
 */
public record JoinBundle(
        String memberName,
        String domain,
        String computerName,
        String oneTimePassword,
        String dcAddress,
        List<Step> steps,
        String batchKey) {

    /** The first part of a join bundle's associated data; the VM id follows. */
    public static final String ASSOCIATED_DATA_PREFIX = "asterism-join-bundle:v1:";
    /** The step that makes the member a node of the constellation's batch scheduler with {@link #batchKey}. */
    public static final String BATCH_NODE_STEP = "batch-node";

    public JoinBundle {
        Validation.requireText(memberName, "memberName");
        Validation.requireText(domain, "domain");
        Validation.requireText(computerName, "computerName");
        Validation.requireText(oneTimePassword, "oneTimePassword");
        Validation.requireText(dcAddress, "dcAddress");
        requireNonNull(steps, "steps is null");
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("steps is empty");
        }
        requireNonNull(batchKey, "batchKey is null");
    }

    /** A bundle of a constellation without a batch scheduler. */
    public JoinBundle(String memberName, String domain, String computerName, String oneTimePassword, String dcAddress,
            List<Step> steps) {
        this(memberName, domain, computerName, oneTimePassword, dcAddress, steps, "");
    }

    /**
     * The associated data a join bundle for one VM is sealed with, {@code asterism-join-bundle:v1:<vmId>}, so that
     * a bundle sealed for one VM never opens as another's.
     */
    public static String associatedDataFor(String vmId) {
        return ASSOCIATED_DATA_PREFIX + Validation.requireText(vmId, "vmId");
    }

    @Override
    public String toString() {
        return "JoinBundle[memberName=" + memberName + ", domain=" + domain + ", computerName=" + computerName
                + ", oneTimePassword=" + Validation.REDACTED + ", dcAddress=" + dcAddress + ", steps=" + steps
                + ", batchKey=" + (batchKey.isEmpty() ? "" : Validation.REDACTED) + "]";
    }

    /**
     * One script of a join bundle.
     *
     * <p>{@code toString} shows the name and the reboot flag, never the script.
     *
     * @param name what the step does, for example {@code join-domain}; reported in {@link StepReport#stepName()}
     * @param script the script, run by the guest platform (a shell script on Linux, PowerShell on Windows)
     * @param rebootAfter whether the VM reboots after the step; the stub reports {@link StepStatus#REBOOTING} and
     *     resumes with the next step after the reboot
     * @throws IllegalArgumentException when the name or script is blank
     * @throws NullPointerException when the name or script is null
     */
    public record Step(String name, String script, boolean rebootAfter) {

        public Step {
            Validation.requireText(name, "name");
            Validation.requireText(script, "script");
        }

        @Override
        public String toString() {
            return "Step[name=" + name + ", script=" + Validation.REDACTED + ", rebootAfter=" + rebootAfter + "]";
        }
    }
}
