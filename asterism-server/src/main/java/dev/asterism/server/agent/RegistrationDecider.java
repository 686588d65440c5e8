package dev.asterism.server.agent;

import static java.util.Objects.requireNonNull;

import dev.asterism.protocol.AgentRole;
import dev.asterism.protocol.Register;

/**
 * Decides whether an agent that dialled in without a client certificate may register as the agent of the VM it
 * names. The {@link AgentEndpoint} asks once per connection, for the connection's first message, and only when
 * the {@link Register} carries a TLS public key to certify.
 *
 * <p>The decider checks the one-time token, the VM's state and the deadline, records the registration (so that a
 * second one with the same token is refused) and audits both outcomes. It is called on the connection's thread and
 * may block (a database transaction). It must be idempotent with respect to its own refusals and must never put
 * the token into a log, an audit record or a refusal reason.
 */
public interface RegistrationDecider {

    /**
     * The decision for one registration.
     *
     * @throws RuntimeException when the decision cannot be made now (the database is unreachable); the endpoint
     *     then closes the connection with "try again" and the agent may retry with the same token
     */
    Decision decide(Register register);

    /** The role of the agent of a VM that registered before, as a renewed certificate's message names it. */
    AgentRole roleOf(String vmId);

    /** Accepted with the role the agent takes now, or refused with a reason a person can act on. */
    sealed interface Decision permits Accepted, Refused {

        static Decision accepted(AgentRole role) {
            return new Accepted(role);
        }

        static Decision refused(String reason) {
            return new Refused(reason);
        }
    }

    /** The agent is registered: it gets a client certificate and {@code Registered} with this role. */
    record Accepted(AgentRole role) implements Decision {
        public Accepted {
            requireNonNull(role, "role is null");
        }
    }

    /**
     * The agent is not registered: it gets {@code RegistrationRefused} with this reason, and the connection closes.
     *
     * @param reason for example "the token was used already"; never contains the token
     */
    record Refused(String reason) implements Decision {
        public Refused {
            requireNonNull(reason, "reason is null");
            if (reason.isBlank()) {
                throw new IllegalArgumentException("reason is blank");
            }
        }
    }
}
