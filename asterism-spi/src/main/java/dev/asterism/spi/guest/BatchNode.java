package dev.asterism.spi.guest;

import java.util.List;
import java.util.Optional;

/**
 * A member's part in the constellation's batch scheduler (Slurm's {@code slurmd} with {@code munge} on Linux): it
 * registers itself with the {@link BatchScheduler} and runs jobs as the domain users who submitted them. The key and
 * the node's name arrive with the join bundle ({@link #prepare}), the scheduler's address once the member is on the
 * VPN ({@link #join}); both are kept on disk and the node comes back after a reboot.
 */
public interface BatchNode {
    /**
     * Keeps the scheduler's key and the name this node registers under. Idempotent.
     *
     * @throws GuestException {@code INVALID} for a bad name
     */
    void prepare(String nodeName, Secret schedulerKey);

    /**
     * Runs the node against the scheduler at {@code schedulerAddress}; it registers itself when the scheduler answers.
     * Idempotent.
     *
     * @throws GuestException {@code NOT_FOUND} before {@link #prepare}; {@code UNAVAILABLE} when the node's services
     *     cannot be started
     */
    void join(Ipv4Address schedulerAddress);

    /** The name given to {@link #prepare}, or empty when this guest is not a node. */
    Optional<String> nodeName();

    /**
     * The scheduler's queue, jobs pending or running, as the constellation's users see it from here (who submitted
     * a job is resolved on the members, where the domain's users are known).
     *
     * @throws GuestException {@code NOT_FOUND} before {@link #join}; {@code UNAVAILABLE} when the scheduler does not
     *     answer
     */
    List<BatchJob> jobs();
}
