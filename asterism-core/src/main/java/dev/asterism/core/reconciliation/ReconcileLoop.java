package dev.asterism.core.reconciliation;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs a reconciler's pass over and over on one background thread: every poll interval, or at once when woken.
 * A pass that fails (the database briefly unreachable) is logged and repeated a second later; since every pass
 * reads its work from the database, nothing is lost.
 */
public final class ReconcileLoop implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ReconcileLoop.class.getName());

    private final String name;
    private final Runnable pass;
    private final Duration pollInterval;
    private final LinkedBlockingQueue<Boolean> wakeups = new LinkedBlockingQueue<>();
    private volatile boolean running;
    private Thread thread;

    public ReconcileLoop(String name, Duration pollInterval, Runnable pass) {
        this.name = requireNonNull(name, "name is null");
        this.pollInterval = requireNonNull(pollInterval, "pollInterval is null");
        this.pass = requireNonNull(pass, "pass is null");
    }

    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name(name).daemon().start(() -> {
            while (running) {
                try {
                    pass.run();
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
