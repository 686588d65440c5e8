package dev.asterism.core.store;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Durable state. Every change happens in a transaction together with its audit event, so there is no
 * state change without its event and no event without its change.
 */
public interface Store extends AutoCloseable {

    /** Runs {@code work} in one serializable-enough transaction; commits when it returns, rolls back when it throws. */
    <T> T call(Function<Transaction, T> work);

    default void run(Consumer<Transaction> work) {
        call(transaction -> {
            work.accept(transaction);
            return null;
        });
    }

    /** Where the data lives, for a log line; never holds a password. */
    String description();

    @Override
    void close();
}
