package dev.asterism.core.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * The loop's cadence, with a poll interval of an hour: whatever runs more than once in these tests ran without
 * waiting for a poll.
 */
class ReconcileLoopTest {
    private static final Duration AN_HOUR = Duration.ofHours(1);

    @Test
    void a_pass_that_took_steps_is_followed_by_another_at_once_until_one_takes_none() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        // Three phases in a row that wait for nothing, then a wait for something outside.
        IntSupplier pass = () -> passes.incrementAndGet() <= 3 ? 1 : 0;
        try (ReconcileLoop loop = new ReconcileLoop("test-loop", AN_HOUR, pass)) {
            loop.start();
            awaitPasses(passes, 4);
            Thread.sleep(200);
            assertThat(passes).as("the pass that took no step waits for the poll").hasValue(4);
            loop.wake();
            awaitPasses(passes, 5);
        }
    }

    @Test
    void rows_that_stay_due_do_not_keep_the_loop_busy() throws Exception {
        AtomicInteger passes = new AtomicInteger();
        try (ReconcileLoop loop = new ReconcileLoop("test-loop", AN_HOUR, () -> {
            passes.incrementAndGet();
            return 1;
        })) {
            loop.start();
            awaitPasses(passes, ReconcileLoop.PASSES_IN_A_ROW);
            Thread.sleep(200);
            assertThat(passes).as("after %d passes in a row the loop waits for the poll",
                    ReconcileLoop.PASSES_IN_A_ROW).hasValue(ReconcileLoop.PASSES_IN_A_ROW);
            loop.wake();
            awaitPasses(passes, 2 * ReconcileLoop.PASSES_IN_A_ROW);
            Thread.sleep(200);
            assertThat(passes).hasValue(2 * ReconcileLoop.PASSES_IN_A_ROW);
        }
    }

    private static void awaitPasses(AtomicInteger passes, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (passes.get() < count) {
            assertThat(System.nanoTime()).as("%d passes within 20 s, saw %d", count, passes.get())
                    .isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
