package dev.asterism.core.vm;

/** The server's view of a VM's life. */
public enum VmState {
    /** Stored; the realm has not been asked yet. */
    REQUESTED,
    /** The realm is creating or powering on the VM. */
    STARTING,
    /** Running; its agent has not registered yet (the registration deadline applies). */
    AWAITING_REGISTRATION,
    RUNNING,
    STOPPING,
    STOPPED,
    /** Gone from the realm; terminal. */
    DESTROYED,
    /** Given up on, with a reason; its realm resources were released. Only destroy applies. */
    FAILED;

    public boolean isTerminal() {
        return this == DESTROYED;
    }
}
