package dev.asterism.guest.sim;

/** The operations of a {@link SimGuestPlatform} that a fault switch can make fail. */
public enum SimOperation {
    PROVISION,
    PRESET_COMPUTER,
    VERIFY_JOIN,
    REMOVE_COMPUTER,
    LIST_COMPUTERS,
    CREATE_USER,
    REMOVE_USER,
    JOIN,
    APPLY_BASELINE,
    OPEN_LEASE,
    CLOSE_LEASE,
    LIST_LEASES,
    ENSURE_HUB,
    ADD_PEER,
    REMOVE_PEER,
    LIST_PEERS,
    ENSURE_SPOKE,
    CONFIGURE_SPOKE,
    PERSIST_SPOKE,
    ENSURE_SHARE,
    REMOVE_SHARE,
    WRITE_FILE,
    READ_FILE,
    RUN_SCRIPT,
    REBOOT
}
