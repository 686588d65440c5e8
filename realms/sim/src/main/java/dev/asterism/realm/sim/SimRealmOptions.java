package dev.asterism.realm.sim;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How the {@code sim} realm behaves: how long each operation takes on its clock, how much those durations vary,
 * and how many VMs it holds.
 *
 * <p>Each delay is drawn anew for every operation on every VM: {@code delay × (1 + jitter × u)} with {@code u} in
 * [-1, 1] taken from the random seed, the VM id and the number of delays already drawn for that VM. The same seed and the
 * same operations on a VM therefore give the same delays, whatever other threads do meanwhile.
 *
 * @param createDelay from create until the VM is {@code RUNNING}; it is {@code PROVISIONING} meanwhile
 * @param startDelay from start until the VM is {@code RUNNING} again; it is {@code PROVISIONING} meanwhile
 * @param stopDelay from stop until the VM is {@code STOPPED}; it is {@code STOPPING} meanwhile
 * @param agentDelay from {@code RUNNING} until its simulated agent registers
 * @param jitter how far each delay may stray from its nominal value, as a fraction between 0 and 1
 * @param seed what makes the jitter repeatable
 * @param maxVms how many VMs the realm holds before create fails with {@code NO_CAPACITY}
 * @param agentPollInterval how often, in real time, the realm looks for agents due to register
 */
public record SimRealmOptions(
        Duration createDelay,
        Duration startDelay,
        Duration stopDelay,
        Duration agentDelay,
        double jitter,
        long seed,
        int maxVms,
        Duration agentPollInterval) {

    /** The {@link #maxVms} of the presets: no limit but the simulated address range (131,070 VMs). */
    public static final int UNLIMITED = Integer.MAX_VALUE;

    private static final Duration DEFAULT_AGENT_POLL_INTERVAL = Duration.ofMillis(20);

    public SimRealmOptions {
        requireNonNegative(createDelay, "createDelay");
        requireNonNegative(startDelay, "startDelay");
        requireNonNegative(stopDelay, "stopDelay");
        requireNonNegative(agentDelay, "agentDelay");
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("jitter must be between 0 and 1, not " + jitter);
        }
        if (maxVms < 1) {
            throw new IllegalArgumentException("maxVms must be positive, not " + maxVms);
        }
        requireNonNull(agentPollInterval, "agentPollInterval is null");
        if (agentPollInterval.isNegative() || agentPollInterval.isZero()) {
            throw new IllegalArgumentException("agentPollInterval must be positive, not " + agentPollInterval);
        }
    }

    /** Every operation completes at once and agents register as soon as the background thread sees them. */
    public static SimRealmOptions instant() {
        return new SimRealmOptions(
                Duration.ZERO,
                Duration.ZERO,
                Duration.ZERO,
                Duration.ZERO,
                0,
                0,
                UNLIMITED,
                DEFAULT_AGENT_POLL_INTERVAL);
    }

    /** Durations of the order a small cloud shows, varying by 30%, for demos and benchmarks. */
    public static SimRealmOptions realistic() {
        return new SimRealmOptions(
                Duration.ofSeconds(3),
                Duration.ofSeconds(2),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                0.3,
                42,
                UNLIMITED,
                DEFAULT_AGENT_POLL_INTERVAL);
    }

    public SimRealmOptions withCreateDelay(Duration createDelay) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withStartDelay(Duration startDelay) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withStopDelay(Duration stopDelay) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withAgentDelay(Duration agentDelay) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withJitter(double jitter) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withSeed(long seed) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withMaxVms(int maxVms) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    public SimRealmOptions withAgentPollInterval(Duration agentPollInterval) {
        return new SimRealmOptions(
                createDelay, startDelay, stopDelay, agentDelay, jitter, seed, maxVms, agentPollInterval);
    }

    /**
     * The delay for one operation on one VM: {@code nominal} moved by up to {@link #jitter} of itself, in a
     * direction and by an amount fixed by the random seed, the VM id and {@code draw}, the number of delays drawn for that
     * VM before.
     */
    Duration jittered(Duration nominal, String vmId, long draw) {
        if (jitter == 0 || nominal.isZero()) {
            return nominal;
        }
        long bits = mix(seed ^ mix(vmId.hashCode() ^ mix(draw)));
        // The top 53 bits make a double uniform in [0, 1), which is then spread over [-1, 1).
        double uniform = (bits >>> 11) * 0x1.0p-53;
        double factor = 1 + jitter * (2 * uniform - 1);
        return Duration.ofNanos(Math.round(nominal.toNanos() * factor));
    }

    /** SplitMix64's finaliser: nearby inputs give unrelated outputs. */
    private static long mix(long value) {
        long z = value + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void requireNonNegative(Duration duration, String name) {
        requireNonNull(duration, name + " is null");
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, not " + duration);
        }
    }
}
