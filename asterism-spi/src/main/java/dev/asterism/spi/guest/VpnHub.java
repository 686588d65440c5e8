package dev.asterism.spi.guest;

import java.util.List;
import java.util.Optional;

/**
 * The VPN hub of a constellation (WireGuard) in the controlling VM: every member is a spoke with one overlay
 * address, and members reach each other only through it. The interface, its private key and its peers live on
 * disk and survive reboots; handshakes are redone after one.
 */
public interface VpnHub {

    /**
     * Creates the hub interface, or brings an existing one to this configuration, and returns the hub's public key.
     * The key pair is made on the first call, on this guest, and kept: later calls return the same key. Called when
     * the controller role starts and after every restart of the agent.
     *
     * @param overlayAddress the hub's own address in {@code overlaySubnet}
     * @throws GuestException {@code INVALID} when the address is outside the subnet; {@code CONFLICT} when the port
     *     is taken by something else; {@code UNAVAILABLE} when the interface cannot be set up now
     */
    VpnPublicKey ensureInterface(Ipv4Address overlayAddress, Ipv4Subnet overlaySubnet, int listenPort);

    /** The hub's public key, or empty before {@link #ensureInterface}. */
    Optional<VpnPublicKey> publicKey();

    /**
     * Admits a spoke: traffic from {@code publicKey} is accepted with source {@code overlayAddress} only. Called in
     * the VPN phase of onboarding, after {@link DomainController#verifyJoin}.
     *
     * <p>Idempotent on the key: adding a present peer again updates its address and endpoint.
     *
     * @param endpoint the spoke's underlay endpoint when known, so that the hub can start the handshake itself
     * @throws GuestException {@code NOT_FOUND} before {@link #ensureInterface}; {@code INVALID} when the address is
     *     outside the overlay subnet or is the hub's own; {@code CONFLICT} when another peer holds the address
     */
    void addPeer(VpnPublicKey publicKey, Ipv4Address overlayAddress, Optional<Endpoint> endpoint);

    /**
     * Removes a spoke; its tunnel stops at once. Called when a member is removed and by cleanup. Removing a peer
     * that is not there, or removing from a hub without an interface, succeeds.
     *
     * @throws GuestException {@code UNAVAILABLE} when the interface cannot be changed now
     */
    void removePeer(VpnPublicKey publicKey);

    /**
     * The peers configured on the interface now, with their latest handshakes, observed from the interface itself.
     * Empty before {@link #ensureInterface}.
     */
    List<VpnPeer> peers();
}
