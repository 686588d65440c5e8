package dev.asterism.spi.guest;

import java.time.Instant;
import java.util.Optional;

/**
 * A member's end of the VPN (WireGuard). The private key is made on this guest and never leaves it; only the
 * public key is reported. The key lives on disk. A {@link #configure configuration} is live at once but lives
 * only in memory until {@link #persist}, so that a configuration that never handshakes does not survive a reboot:
 * the agent configures, waits for a handshake, then persists.
 */
public interface VpnSpoke {

    /**
     * Creates the spoke interface and its key pair on the first call, and returns the public key; later calls
     * return the same key, also after reboots. Called by the worker role before it reports its key.
     *
     * @throws GuestException {@code UNAVAILABLE} when the interface cannot be set up now
     */
    VpnPublicKey ensureInterface();

    /**
     * Points the spoke at its hub and brings the tunnel up, replacing any earlier live configuration. The result is
     * live at once and lost by a reboot until {@link #persist}. Idempotent.
     *
     * @throws GuestException {@code NOT_FOUND} before {@link #ensureInterface}; {@code UNAVAILABLE} when the
     *     interface cannot be changed now
     */
    void configure(VpnSpokeConfig config);

    /**
     * Writes the live configuration to disk, so that the tunnel comes back after a reboot. Idempotent.
     *
     * @throws GuestException {@code NOT_FOUND} when nothing is configured (for example after a reboot lost an
     *     unpersisted configuration)
     */
    void persist();

    /** The live configuration, or empty. */
    Optional<VpnSpokeConfig> configuration();

    /**
     * When the spoke last completed a handshake with its hub, observed from the interface, or empty when it never
     * did since the configuration or the last boot. A handshake proves that the hub admitted this spoke's key and
     * that the hub's endpoint is reachable.
     */
    Optional<Instant> latestHandshake();

    /** Whether {@link #latestHandshake} is present. */
    default boolean handshakeSeen() {
        return latestHandshake().isPresent();
    }
}
