package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * Stub to server: where one step of a join bundle stands. A stub sends {@link StepStatus#STARTED} and then one
 * of the other statuses for every step, and sends the report again after a reconnect when it does not know
 * whether the server got it; the server treats a repeated report as one.
 *
 * @param bundleId the bundle the step belongs to ({@link SealedBundle#bundleId()})
 * @param stepIndex the step's position in the bundle, from 0
 * @param stepName the step's name ({@link JoinBundle.Step#name()})
 * @param status where the step stands
 * @param message what a person reads: for {@link StepStatus#FAILED} why; may be empty; never a secret
 * @param at the agent's clock when the status was reached
 * @throws IllegalArgumentException when a text is blank or the index is negative
 * @throws NullPointerException when a field is null
 */
public record StepReport(String bundleId, int stepIndex, String stepName, StepStatus status, String message,
        Instant at) implements Message {

    /**
     * The step name of the report an agent sends, SUCCEEDED, after the last step of a bundle: the bundle is done.
     * Its step index is the number of steps.
     */
    public static final String BUNDLE_COMPLETE = "bundle-complete";


    public StepReport {
        Validation.requireText(bundleId, "bundleId");
        if (stepIndex < 0) {
            throw new IllegalArgumentException("stepIndex is negative");
        }
        Validation.requireText(stepName, "stepName");
        requireNonNull(status, "status is null");
        Validation.requirePresent(message, "message");
        requireNonNull(at, "at is null");
    }
}
