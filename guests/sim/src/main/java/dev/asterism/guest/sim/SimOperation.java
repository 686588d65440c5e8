package dev.asterism.guest.sim;

/** The operations of a {@link SimGuestPlatform} that a fault switch can make fail. */
public enum SimOperation {
    PROVISION(true),
    PRESET_COMPUTER(true),
    VERIFY_JOIN(false),
    REMOVE_COMPUTER(true),
    LIST_COMPUTERS(false),
    CREATE_USER(true),
    REMOVE_USER(true),
    ADD_TO_GROUP(true),
    END_SESSIONS(false),
    JOIN(true),
    USE_CONTROLLER(true),
    ENABLE_REMOTE_DESKTOP(true),
    RESTRICT_CLIPBOARD(true),
    APPLY_BASELINE(true),
    OPEN_LEASE(true),
    CLOSE_LEASE(true),
    LIST_LEASES(false),
    ENSURE_HUB(true),
    ADD_PEER(true),
    REMOVE_PEER(true),
    LIST_PEERS(false),
    ENSURE_SPOKE(true),
    CONFIGURE_SPOKE(true),
    PERSIST_SPOKE(true),
    ENSURE_SHARE(true),
    REMOVE_SHARE(true),
    WRITE_FILE(true),
    READ_FILE(false),
    RUN_SCRIPT(false),
    REBOOT(true);

    private final boolean changesState;

    SimOperation(boolean changesState) {
        this.changesState = changesState;
    }

    /** Whether the operation may change the guest, which a persistent network then writes to its file. */
    boolean changesState() {
        return changesState;
    }
}
