package dev.asterism.realm.sim;

/**
 * What the {@code sim} realm calls to register a VM's simulated agent with the server, standing in for the agent
 * that a real VM runs.
 *
 * <p>Called from the realm's one background thread, never while the realm holds its lock, once the VM has been
 * {@link dev.asterism.spi.realm.PowerState#RUNNING} for the options' agent delay. Not called again for a VM once
 * it returned, whatever it returned.
 */
@FunctionalInterface
public interface SimAgentRegistrar {

    /** A registrar that accepts every registration and does nothing, for realms whose VMs need no server. */
    SimAgentRegistrar NONE = (vmId, registrationToken) -> true;

    /**
     * Registers the agent of one VM.
     *
     * @param vmId the server's id of the VM
     * @param registrationToken the one-time token from the VM's {@link dev.asterism.spi.realm.Bootstrap}
     * @return {@code true} when the server accepted the agent, {@code false} when it refused it for good (the
     *     token is unknown or expired); either way the realm never calls again for this VM
     * @throws RuntimeException when the server could not be reached; the realm tries again a second later
     */
    boolean register(String vmId, String registrationToken);
}
