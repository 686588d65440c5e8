package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * Agent to server: the agent is alive. Sent periodically on an open channel; the server records the time it
 * received it (its own clock), and {@code sentAt} only serves to see clock skew and delays.
 *
 * @param vmId the agent's VM
 * @param sentAt the agent's clock when it sent the heartbeat
 * @throws IllegalArgumentException when vmId is blank
 * @throws NullPointerException when a field is null
 */
public record Heartbeat(String vmId, Instant sentAt) implements Message {

    public Heartbeat {
        Validation.requireText(vmId, "vmId");
        requireNonNull(sentAt, "sentAt is null");
    }
}
