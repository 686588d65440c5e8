package dev.asterism.spi.guest;

import static java.util.Objects.requireNonNull;

/**
 * What a spoke needs to reach its hub.
 *
 * @param hubEndpoint the hub's underlay address and listening port
 * @param overlayAddress the spoke's own overlay address
 * @param allowedSubnet the overlay subnet routed through the tunnel (the whole constellation)
 */
public record VpnSpokeConfig(
        VpnPublicKey hubPublicKey, Endpoint hubEndpoint, Ipv4Address overlayAddress, Ipv4Subnet allowedSubnet) {
    public VpnSpokeConfig {
        requireNonNull(hubPublicKey, "hubPublicKey is null");
        requireNonNull(hubEndpoint, "hubEndpoint is null");
        requireNonNull(overlayAddress, "overlayAddress is null");
        requireNonNull(allowedSubnet, "allowedSubnet is null");
        if (!allowedSubnet.contains(overlayAddress)) {
            throw new IllegalArgumentException(
                    "overlay address " + overlayAddress + " is outside the allowed subnet " + allowedSubnet);
        }
    }
}
