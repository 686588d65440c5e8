package dev.asterism.core.permission;

/** A user's right on one brick. */
public enum GrantLevel {
    /** Start VMs from the brick. */
    USE,
    /** Use it, and build constellations with it (add members to a controller of this brick). */
    MANAGE;

    public boolean includes(GrantLevel other) {
        return this == MANAGE || other == USE;
    }
}
