package dev.asterism.realm.sim;

import java.util.BitSet;
import java.util.OptionalInt;

/**
 * The pool of fake guest addresses, taken from 198.18.0.0/15: a range reserved for benchmarking (RFC 2544), so a
 * simulated address can never be mistaken for, or route to, a real host. Not thread-safe: the realm guards it.
 */
final class SimulatedAddresses {

    /** Every address of the /15 but the first and the last. */
    static final int CAPACITY = (1 << 17) - 2;

    private final BitSet used = new BitSet(CAPACITY + 2);
    private int cursor = 1;

    /** Takes a free address, preferring ones not handed out recently; empty when all are taken. */
    OptionalInt take() {
        int free = used.nextClearBit(cursor);
        if (free > CAPACITY) {
            free = used.nextClearBit(1);
            if (free > CAPACITY) {
                return OptionalInt.empty();
            }
        }
        used.set(free);
        cursor = free + 1;
        return OptionalInt.of(free);
    }

    /** Marks {@code offset} taken, as when a VM that holds it is read back. */
    void takeExactly(int offset) {
        used.set(offset);
    }

    void release(int offset) {
        used.clear(offset);
    }

    static String format(int offset) {
        return "198." + (18 + (offset >>> 16)) + "." + ((offset >>> 8) & 0xFF) + "." + (offset & 0xFF);
    }
}
