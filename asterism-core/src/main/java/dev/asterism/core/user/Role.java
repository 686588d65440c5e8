package dev.asterism.core.user;

/** What a user may do across the whole system; per-brick rights come from grants. */
public enum Role {
    /** Everything, including creating and removing admins. */
    SUPER_ADMIN,
    /** The catalog, grants and users with the role {@code user}; every VM. */
    ADMIN,
    /** Their own VMs, from bricks they are granted. */
    USER;

    public boolean isAdmin() {
        return this == SUPER_ADMIN || this == ADMIN;
    }
}
