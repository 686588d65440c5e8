package dev.asterism.core.constellation;

/** Where a person of a constellation is: their domain account being made, usable, or being taken away. */
public enum PersonState {
    /** Added; the controller makes their domain account next. */
    ADDING,
    /** Their domain account exists and is in the group of the constellation's people. */
    ACTIVE,
    /** Leaving: their sessions on every member end, then their account goes. */
    REMOVING,
    /** Gone: no account, no session. Kept for history only. */
    REMOVED
}
