package dev.asterism.protocol;

import java.util.Optional;

/**
 * The role the server gives an agent when it accepts its registration ({@link Registered#role()}).
 * On the wire each role is its lower-case {@linkplain #wireName() name}.
 */
public enum AgentRole {
    /** Registered, waiting for a sealed join bundle; runs no role yet. */
    STUB("stub"),
    /** The agent of a controlling VM: domain controller, VPN hub, firewall, file share. */
    CONTROLLER("controller"),
    /** The agent of a member that has joined: VPN spoke, RDP. */
    WORKER("worker");

    private final String wireName;

    AgentRole(String wireName) {
        this.wireName = wireName;
    }

    /** The role's name on the wire, for example {@code controller}. */
    public String wireName() {
        return wireName;
    }

    /** The role with that wire name, or empty when this release does not know it. */
    public static Optional<AgentRole> fromWireName(String wireName) {
        for (AgentRole role : values()) {
            if (role.wireName.equals(wireName)) {
                return Optional.of(role);
            }
        }
        return Optional.empty();
    }
}
