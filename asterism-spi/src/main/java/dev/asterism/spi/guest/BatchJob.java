package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * A job in the batch scheduler's queue.
 *
 * @param id the scheduler's id ({@code 12}, or {@code 12_3} for a task of an array)
 * @param user who submitted it
 * @param name the job's name
 * @param state the scheduler's word in lower case: {@code pending}, {@code running}, {@code completing}, ...
 * @param nodes the nodes it runs on, in the scheduler's notation, or empty while pending
 * @param reason why it waits, or empty
 */
public record BatchJob(String id, String user, String name, String state, String nodes, String reason) {
    public BatchJob {
        requireNonNull(id, "id is null");
        requireNonNull(user, "user is null");
        requireNonNull(name, "name is null");
        requireNonNull(state, "state is null");
        requireNonNull(nodes, "nodes is null");
        requireNonNull(reason, "reason is null");
    }
}
