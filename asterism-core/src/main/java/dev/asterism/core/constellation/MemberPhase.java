package dev.asterism.core.constellation;

/**
 * Where a member is. Onboarding runs the first seven phases in order (tiCrypt's order); removal and the
 * cleanup of a failed member run the removal phases. Every phase observes real state before it acts and may be
 * repeated after a crash.
 */
public enum MemberPhase {
    /** Start the member's VM from the worker brick and wait for its stub agent to register. */
    REQUEST_VM,
    /** Open the join ports on the controller's firewall for the member's underlay address (a lease). */
    OPEN_PORTS,
    /** The controller presets the computer account and seals the join bundle; the server relays ciphertext. */
    INJECT,
    /** The stub runs the join steps, reporting each one. */
    JOIN,
    /** The controller verifies the join and adds the member as a VPN peer; the member's tunnel handshakes. */
    VPN,
    /** The lease is removed and its connections flushed. */
    CLOSE_PORTS,
    /** Joined, on the VPN, reachable. */
    READY,
    /** Removal: the lease (if any) and the VPN peer out. */
    REMOVE_PEER,
    /** Removal: the computer account out. */
    REMOVE_ACCOUNT,
    /** Removal: the VM destroyed. */
    DESTROY_VM,
    /** Removed on request. */
    REMOVED,
    /** Failed with a reason; its cleanup ran. {@code retry} starts it again with a new VM. */
    FAILED;

    public boolean isOnboarding() {
        return ordinal() <= READY.ordinal();
    }

    public boolean isSettled() {
        return this == READY || this == REMOVED || this == FAILED;
    }
}
