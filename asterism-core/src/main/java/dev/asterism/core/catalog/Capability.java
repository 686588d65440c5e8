package dev.asterism.core.catalog;

/** What a VM started from a brick may become. */
public enum Capability {
    /** It may start a controlling VM (domain controller, VPN hub, firewall, file share). */
    CONTROLLER,
    /** It may be a member of a constellation. */
    WORKER
}
