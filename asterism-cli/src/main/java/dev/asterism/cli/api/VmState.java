package dev.asterism.cli.api;

/** The life-cycle states of a VM, as the server reports them. */
public enum VmState {
    REQUESTED,
    STARTING,
    AWAITING_REGISTRATION,
    RUNNING,
    STOPPING,
    STOPPED,
    DESTROYED,
    FAILED
}
