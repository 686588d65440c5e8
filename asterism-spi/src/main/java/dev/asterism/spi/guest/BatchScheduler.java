package dev.asterism.spi.guest;

import java.util.List;

/**
 * A constellation's batch scheduler on its controller (Slurm's {@code slurmctld} with {@code munge} on Linux): the
 * members that are {@link BatchNode}s run the jobs its users submit from any member. The scheduler's key (munge's)
 * is made here, once per constellation, and reaches each member only sealed inside its join bundle. Everything lives
 * on disk and the scheduler comes back after a reboot.
 */
public interface BatchScheduler {
    /** The port the scheduler listens on, which members must reach over the overlay. */
    PortRange port();

    /**
     * Makes the key when there is none, and runs the scheduler, listening at {@code overlayAddress} for nodes that
     * register themselves. Idempotent.
     *
     * @throws GuestException {@code UNAVAILABLE} when the scheduler cannot be started (a package is missing)
     */
    void ensureScheduler(Ipv4Address overlayAddress);

    /**
     * The key every node needs, the same for every call.
     *
     * @throws GuestException {@code NOT_FOUND} before {@link #ensureScheduler}
     */
    Secret nodeKey();

    /**
     * The nodes the scheduler knows, by name, as it sees them now.
     *
     * @throws GuestException {@code UNAVAILABLE} when the scheduler does not answer
     */
    List<BatchNodeStatus> nodes();

    /**
     * Lets a node of this name register: one taken out by {@link #removeNode} and not forgotten yet comes back into
     * service when it registers. Called before a member of that name joins. A name never seen succeeds.
     *
     * @throws GuestException {@code INVALID} for a bad name; {@code UNAVAILABLE} when the scheduler does not answer
     */
    void admitNode(String nodeName);

    /**
     * Takes a node out of the scheduler: no new job starts on it, the jobs running on it end with {@code reason}, and
     * it stays down (a node of that name registering again is not let in until {@link #admitNode}); the scheduler
     * forgets it as soon as no job record refers to it. A node the scheduler does not know succeeds.
     *
     * @throws GuestException {@code INVALID} for a bad name; {@code UNAVAILABLE} when the scheduler does not answer
     */
    void removeNode(String nodeName, String reason);
}
