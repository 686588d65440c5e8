package dev.asterism.protocol;

/**
 * Where one step of a join bundle stands, as a stub reports it in {@link StepReport}. On the wire each
 * status is its enum name ({@code STARTED}, ...).
 */
public enum StepStatus {
    /** The stub began running the step. */
    STARTED,
    /** The step finished; the stub goes on with the next one. */
    SUCCEEDED,
    /** The step failed; the stub runs no further step of this bundle. The report's message says why. */
    FAILED,
    /** The step finished and the VM reboots now; after the reboot the stub resumes with the next step. */
    REBOOTING
}
