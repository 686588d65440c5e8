package dev.asterism.core.reconciliation;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a reconciler's pass over and over on one background thread: every poll interval, at once when woken, and at
 * once after a pass that took steps, since a step that ends a phase leaves its row due for the next one (a member
 * then goes through phases that wait for nothing without waiting for polls). A few passes in a row at most: then the
 * loop waits for the poll as usual, so rows that stay due (a step that keeps failing) cannot keep it busy. A pass
 * that fails (the database briefly unreachable) is logged and repeated a second later; since every pass reads its
 * work from the database, nothing is lost.
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class.getName());

    /** Passes that took steps, run back to back before the loop waits for a poll again. */
    static final int PASSES_IN_A_ROW = 16;

    private final String name;
    private final IntSupplier pass;
    private final Duration pollInterval;
    private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;

    /**
     * @param pass one pass over the due rows; returns how many steps it took (rows whose step ended without an
     *     exception), which makes the loop run again at once
     */
    public ReconcileLoop(String name, Duration pollInterval, IntSupplier pass) {
        this.name = requireNonNull(name, "name is null");
        this.pollInterval = requireNonNull(pollInterval, "pollInterval is null");
        this.pass = requireNonNull(pass, "pass is null");
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(() -> {
            int inARow = 0;
            while (running) {
                try {
                    if (pass.getAsInt() > 0 && ++inARow < PASSES_IN_A_ROW) {
                        continue;
                    }
                    inARow = 0;
                    wakeups.poll(Math.max(10, pollInterval.toMillis()), TimeUnit.MILLISECONDS);
                    wakeups.clear();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, name + " pass failed, retrying: " + e.getMessage());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        });
    }

    /** Asks for a pass now rather than at the next poll. */
    public void wake() {
        wakeups.offer(Boolean.TRUE);
    }

    /**
     * Stops the loop: a pass under way may finish for a few seconds (its steps then end as they would have), and is
     * interrupted only when it takes longer.
     */
    @Override
    public synchronized void close() {
        running = false;
        if (thread == null) {
            return;
        }
        wake();
        try {
            thread.join(5000);
            if (thread.isAlive()) {
                thread.interrupt();
                thread.join(5000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
