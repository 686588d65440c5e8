package dev.asterism.spi.guest;

/**
 * The guest's power, for join steps that need a reboot (a Windows rename or join) and for tests of resuming after
 * one.
 */
public interface Power {

    /**
     * Reboots the guest. Everything the platform parts keep only in memory is lost (port leases, an unpersisted VPN
     * spoke configuration, handshakes); what they keep on disk stays. Callers record their progress first: on a
     * real guest the calling agent does not outlive the reboot, and this method may return before it happens or
     * not at all. A platform that returns from it (the {@code sim} one) has completed the reboot.
     *
     * @throws GuestException {@code UNAVAILABLE} when the reboot cannot be started
     */
    void reboot();

    /** An id of the current boot that changes with every reboot, so that the agent can tell it has rebooted. */
    String bootId();
}
