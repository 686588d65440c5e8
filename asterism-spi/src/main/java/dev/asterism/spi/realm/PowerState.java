package dev.asterism.spi.realm;

/** What the realm reports about a VM's power, independent of whether its agent registered. */
public enum PowerState {
    /** Created, booting; not yet running. */
    PROVISIONING,
    RUNNING,
    STOPPING,
    STOPPED,
    /** The realm gave up on the VM (boot failure, crashed hypervisor process); it still holds resources. */
    FAILED
}
