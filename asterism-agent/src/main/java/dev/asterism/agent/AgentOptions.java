package dev.asterism.agent;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * How an {@link Agent} runs: its version, its timings and how it waits.
 *
 * @param agentVersion the release the agent reports in its registration
 * @param heartbeatInterval how often a registered agent sends a heartbeat
 * @param scriptTimeout how long one script step of a join bundle may run
 * @param handshakeTimeout how long {@code CONFIGURE_VPN_SPOKE} waits for the spoke's first handshake, measured on
 *     the agent's clock and also bounded by the number of polls that fit in it
 * @param handshakePollInterval how long to wait between two looks at the spoke's handshake
 * @param sleeper how the agent waits between two polls; tests move a clock instead of sleeping
 * @param handleMessagesOnTransportThread whether messages are handled on the thread that delivers them (tests, for
 *     determinism) instead of on the agent's own thread (production: the transport is never blocked)
 */
public record AgentOptions(
        String agentVersion,
        Duration heartbeatInterval,
        Duration scriptTimeout,
        Duration handshakeTimeout,
        Duration handshakePollInterval,
        Sleeper sleeper,
        boolean handleMessagesOnTransportThread) {

    /** The agent's release, reported at registration. */
    public static final String VERSION = "0.1.0";

    /** Waits for a while; {@link Thread#sleep(Duration)} in production. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    public AgentOptions {
        requireNonNull(agentVersion, "agentVersion is null");
        if (agentVersion.isBlank()) {
            throw new IllegalArgumentException("agentVersion is blank");
        }
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(scriptTimeout, "scriptTimeout");
        requirePositive(handshakeTimeout, "handshakeTimeout");
        requirePositive(handshakePollInterval, "handshakePollInterval");
        requireNonNull(sleeper, "sleeper is null");
    }

    /** Production settings: heartbeat every 30 s, scripts up to 15 min, handshake within 60 s polled every second. */
    public static AgentOptions defaults() {
        return new AgentOptions(VERSION, Duration.ofSeconds(30), Duration.ofMinutes(15), Duration.ofSeconds(60),
                Duration.ofSeconds(1), Thread::sleep, false);
    }

    public AgentOptions withHeartbeatInterval(Duration interval) {
        return new AgentOptions(agentVersion, interval, scriptTimeout, handshakeTimeout, handshakePollInterval,
                sleeper, handleMessagesOnTransportThread);
    }

    public AgentOptions withHandshakeWait(Duration timeout, Duration pollInterval, Sleeper waitWith) {
        return new AgentOptions(agentVersion, heartbeatInterval, scriptTimeout, timeout, pollInterval, waitWith,
                handleMessagesOnTransportThread);
    }

    public AgentOptions withMessagesHandledOnTransportThread(boolean onTransportThread) {
        return new AgentOptions(agentVersion, heartbeatInterval, scriptTimeout, handshakeTimeout,
                handshakePollInterval, sleeper, onTransportThread);
    }

    private static void requirePositive(Duration duration, String name) {
        requireNonNull(duration, name + " is null");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
