package dev.asterism.protocol;

import static java.util.Objects.requireNonNull;

import java.time.Instant;

/**
 * Server to agent: the registration is accepted, and this is the role the agent takes now.
 *
 * @param vmId the VM the agent is registered for
 * @param role {@link AgentRole#STUB} until a join bundle arrives, {@link AgentRole#CONTROLLER} for a VM of a
 *     controller brick, {@link AgentRole#WORKER} for a member that has joined
 * @param serverTime the server's clock, so that an agent can notice a large skew
 * @throws IllegalArgumentException when vmId is blank
 * @throws NullPointerException when a field is null
 */
public record Registered(String vmId, AgentRole role, Instant serverTime) implements Message {

    public Registered {
        Validation.requireText(vmId, "vmId");
        requireNonNull(role, "role is null");
        requireNonNull(serverTime, "serverTime is null");
    }
}
