package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * A node as the batch scheduler sees it.
 *
 * @param name the node's name (the member's)
 * @param state the scheduler's word in lower case: {@code idle}, {@code allocated}, {@code mixed}, {@code down},
 *     {@code drained}, {@code draining}, ...
 * @param reason why an operator or the scheduler took it out of service, or empty
 * @param cpus the processors it offers
 */
public record BatchNodeStatus(String name, String state, String reason, int cpus) {
    public BatchNodeStatus {
        requireNonNull(name, "name is null");
        requireNonNull(state, "state is null");
        requireNonNull(reason, "reason is null");
    }
}
