package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A spoke as the hub sees it.
 *
 * @param overlayAddress the only overlay address the hub accepts from this peer (its allowed IP, a /32)
 * @param endpoint the peer's underlay endpoint when known, which lets the hub start the first handshake
 * @param latestHandshake when the hub last completed a handshake with the peer, or empty when never
 */
public record VpnPeer(
        VpnPublicKey publicKey, Ipv4Address overlayAddress, Optional<Endpoint> endpoint, Optional<Instant> latestHandshake) {
    public VpnPeer {
        requireNonNull(publicKey, "publicKey is null");
        requireNonNull(overlayAddress, "overlayAddress is null");
        requireNonNull(endpoint, "endpoint is null");
        requireNonNull(latestHandshake, "latestHandshake is null");
    }
}
