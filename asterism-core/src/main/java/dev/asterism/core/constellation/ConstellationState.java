package dev.asterism.core.constellation;

/** The life of a constellation, which follows its controlling VM. */
public enum ConstellationState {
    /** The controlling VM is starting or its agent is provisioning the domain, VPN hub, firewall and share. */
    PROVISIONING,
    /** Members may be added. */
    ACTIVE,
    /** Members are being removed, then the controlling VM destroyed. */
    DESTROYING,
    DESTROYED,
    /** The controlling VM failed; the reason says why. Only destroy applies. */
    FAILED
}
