package dev.asterism.realm.sim;

import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.RealmVmSpec;
import java.time.Instant;

/**
 * One simulated VM. Its power is not stored but computed from the realm's clock: the VM remembers whether it is
 * powered on and when its last transition ends. Every field is guarded by the owning realm's lock.
 */
final class SimVm {

    enum Registration {
        WAITING,
        ACCEPTED,
        REFUSED
    }

    final RealmVmSpec spec;
    final int addressOffset;
    private boolean poweredOn;
    private boolean failed;
    private Instant transitionEndsAt;
    private Instant agentDueAt;
    private long delaysDrawn;
    Registration registration = Registration.WAITING;
    /** Real time ({@link System#nanoTime()}) of the last call to the registrar, which paces retries. */
    long lastRegistrationAttemptNanos;
    int registrationAttempts;

    SimVm(RealmVmSpec spec, int addressOffset) {
        this.spec = spec;
        this.addressOffset = addressOffset;
    }

    /** Takes the next draw number, so that each delay of this VM gets its own jitter. */
    long nextDraw() {
        return delaysDrawn++;
    }

    PowerState power(Instant now) {
        if (failed) {
            return PowerState.FAILED;
        }
        boolean settled = !now.isBefore(transitionEndsAt);
        if (poweredOn) {
            if (settled) {
                return PowerState.RUNNING;
            }
            return PowerState.PROVISIONING;
        }
        if (settled) {
            return PowerState.STOPPED;
        }
        return PowerState.STOPPING;
    }

    boolean poweredOn() {
        return poweredOn;
    }

    boolean failed() {
        return failed;
    }

    /** Boots: running at {@code runningAt}, its agent due at {@code agentDueAt}. A failure is cleared. */
    void powerOn(Instant runningAt, Instant agentDueAt) {
        this.failed = false;
        this.poweredOn = true;
        this.transitionEndsAt = runningAt;
        this.agentDueAt = agentDueAt;
    }

    /** Shuts down, stopped at {@code stoppedAt}. A failure is cleared. */
    void powerOff(Instant stoppedAt) {
        this.failed = false;
        this.poweredOn = false;
        this.transitionEndsAt = stoppedAt;
    }

    void fail() {
        this.failed = true;
    }

    boolean agentDue(Instant now) {
        return registration == Registration.WAITING
                && power(now) == PowerState.RUNNING
                && !now.isBefore(agentDueAt);
    }
}
