package dev.asterism.guest.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortRange;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One simulated underlay network of guests, typically a controlling VM and its members: the place where a member's
 * join finds the controller's preset computer, a spoke's handshake needs its key on the hub, and every packet
 * passes the receiving guest's firewall.
 *
 * <p><b>Reachability.</b> A guest reaches another guest's underlay address on a port when the receiver's firewall
 * allows the sender's underlay address there. It reaches an overlay address (a hub's, or a spoke's) only when both
 * are on the same hub with a completed handshake (the hub itself counts as on it), and the receiver's firewall
 * allows the sender's overlay address. Nothing else exists on this network.
 *
 * <p>All guests of a network share one lock, so that every operation sees the whole network consistently. Time
 * comes from the injected {@link Clock}.
 */
public final class SimGuestNetwork {

    final Object lock = new Object();
    private final Clock clock;
    /** Guarded by {@link #lock}. */
    private final Map<Ipv4Address, SimGuestPlatform> guests = new LinkedHashMap<>();

    public SimGuestNetwork(Clock clock) {
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A guest with every capability at {@code underlayAddress}. */
    public SimGuestPlatform addGuest(String hostName, Ipv4Address underlayAddress) {
        return addGuest(hostName, underlayAddress, EnumSet.allOf(GuestCapability.class));
    }

    /**
     * A guest with {@code capabilities} at {@code underlayAddress}.
     *
     * @throws IllegalArgumentException when a guest holds the address already
     */
    public SimGuestPlatform addGuest(String hostName, Ipv4Address underlayAddress, Set<GuestCapability> capabilities) {
        requireNonNull(hostName, "hostName is null");
        requireNonNull(underlayAddress, "underlayAddress is null");
        synchronized (lock) {
            if (guests.containsKey(underlayAddress)) {
                throw new IllegalArgumentException("a guest at " + underlayAddress + " exists already");
            }
            SimGuestPlatform guest = new SimGuestPlatform(this, hostName, underlayAddress, capabilities);
            guests.put(underlayAddress, guest);
            return guest;
        }
    }

    /** Takes a guest off the network, as when its VM is destroyed. Removing an absent guest succeeds. */
    public void removeGuest(Ipv4Address underlayAddress) {
        synchronized (lock) {
            guests.remove(underlayAddress);
        }
    }

    /** The guests on this network. */
    public List<SimGuestPlatform> guests() {
        synchronized (lock) {
            return List.copyOf(guests.values());
        }
    }

    /** The sum of {@link SimGuestPlatform#openLeaseCount()} over all guests. */
    public int openLeaseCount() {
        synchronized (lock) {
            return guests.values().stream().mapToInt(SimGuestPlatform::openLeaseCount).sum();
        }
    }

    /** The sum of {@link SimGuestPlatform#peerCount()} over all guests. */
    public int peerCount() {
        synchronized (lock) {
            return guests.values().stream().mapToInt(SimGuestPlatform::peerCount).sum();
        }
    }

    /** The sum of {@link SimGuestPlatform#computerCount()} over all guests. */
    public int computerCount() {
        synchronized (lock) {
            return guests.values().stream().mapToInt(SimGuestPlatform::computerCount).sum();
        }
    }

    Clock clock() {
        return clock;
    }

    /** Guarded by {@link #lock}. */
    Iterable<SimGuestPlatform> guestsLocked() {
        return guests.values();
    }

    /** Guarded by {@link #lock}. */
    Optional<SimGuestPlatform> guestAt(Ipv4Address underlayAddress) {
        return Optional.ofNullable(guests.get(underlayAddress));
    }

    /**
     * Whether {@code from} can open a connection to {@code to} on {@code protocol}/{@code port}, and if so, records
     * the connection in the receiver's connection tracking. Guarded by {@link #lock}.
     */
    boolean connect(SimGuestPlatform from, Ipv4Address to, PortRange.Protocol protocol, int port) {
        SimGuestPlatform underlayTarget = guests.get(to);
        if (underlayTarget != null) {
            return underlayTarget.acceptConnection(from.underlayAddress(), protocol, port);
        }
        Optional<SimGuestPlatform> fromHub = from.connectedHub();
        Optional<Ipv4Address> fromOverlay = from.overlayAddress();
        if (fromHub.isEmpty() || fromOverlay.isEmpty()) {
            return false;
        }
        for (SimGuestPlatform candidate : overlayMembers(fromHub.get())) {
            if (candidate.overlayAddress().filter(to::equals).isPresent()) {
                return candidate.acceptConnection(fromOverlay.get(), protocol, port);
            }
        }
        return false;
    }

    /** The hub and every spoke connected to it. Guarded by {@link #lock}. */
    private List<SimGuestPlatform> overlayMembers(SimGuestPlatform hub) {
        List<SimGuestPlatform> members = new ArrayList<>();
        for (SimGuestPlatform guest : guests.values()) {
            if (guest.connectedHub().filter(connected -> connected == hub).isPresent()) {
                members.add(guest);
            }
        }
        return members;
    }
}
