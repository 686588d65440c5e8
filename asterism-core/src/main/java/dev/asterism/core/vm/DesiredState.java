package dev.asterism.core.vm;

/** What the owner asked for; the reconciler moves {@link VmState} towards it. */
public enum DesiredState {
    RUNNING,
    STOPPED,
    DESTROYED
}
