package dev.asterism.cli;

import static java.util.Objects.requireNonNull;

import dev.asterism.cli.api.ApiClient;
import dev.asterism.cli.api.ApiException;
import dev.asterism.cli.api.Json;
import dev.asterism.cli.api.Vm;
import dev.asterism.cli.api.VmState;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CancellationException;

/**
 * The {@code --wait} of the vm commands: polls a VM until it reaches a target state, fails, or time runs out,
 * printing one progress line each time the state changes. Waiting changes nothing on the server: a timeout leaves
 * the VM to carry on.
 */
final class VmWaiter {

    static final Duration POLL_INTERVAL = Duration.ofMillis(500);

    private final ApiClient api;
    private final Json json;
    private final Clock clock;
    private final Sleeper sleeper;
    private final PrintWriter progress;

    VmWaiter(ApiClient api, Json json, Clock clock, Sleeper sleeper, PrintWriter progress) {
        this.api = requireNonNull(api, "api is null");
        this.json = requireNonNull(json, "json is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.sleeper = requireNonNull(sleeper, "sleeper is null");
        this.progress = requireNonNull(progress, "progress is null");
    }

    /** How a wait ended. */
    sealed interface Outcome {}

    record Reached(VmState state, Duration elapsed) implements Outcome {}

    /** The VM ended in a state from which the target cannot be reached (FAILED, or DESTROYED when not asked). */
    record Failed(Vm vm, Duration elapsed) implements Outcome {}

    record TimedOut(VmState lastState, Duration timeout) implements Outcome {}

    /**
     * @param started when the user's command began, so that the times shown include the first request
     * @param current the VM as the command's own request answered it
     */
    Outcome await(Instant started, Vm current, VmState target, Duration timeout) {
        Instant deadline = started.plus(timeout);
        VmState reported = null;
        while (true) {
            Duration elapsed = Duration.between(started, clock.instant());
            if (current.state() != reported) {
                progress.println(current.name() + ": " + current.state() + " (" + Durations.format(elapsed) + ")");
                progress.flush();
                reported = current.state();
            }
            if (current.state() == target) {
                return new Reached(target, elapsed);
            }
            if (current.state() == VmState.FAILED || current.state() == VmState.DESTROYED) {
                return new Failed(current, elapsed);
            }
            if (!clock.instant().isBefore(deadline)) {
                return new TimedOut(current.state(), timeout);
            }
            pause(current.name());
            try {
                current = json.read(api.get("/vms/" + ApiClient.segment(current.name())), Vm.class);
            } catch (ApiException e) {
                // A destroyed VM may vanish from the API altogether; for a destroy that is success.
                if (e.isNotFound() && target == VmState.DESTROYED) {
                    return new Reached(target, Duration.between(started, clock.instant()));
                }
                throw e;
            }
        }
    }

    private void pause(String name) {
        try {
            sleeper.sleep(POLL_INTERVAL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for " + name + "; it keeps going on the server");
        }
    }
}
