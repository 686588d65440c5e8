package dev.asterism.guest.sim;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestCapability;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.spi.guest.PortRange;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

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
 *
 * <p>A network {@link #persistentIn persistent in a directory} writes each guest to a file of its own after every
 * operation and reads them all back when opened again, so its guests outlive the process that simulates them, as
 * real VMs outlive a crashed server.
 */
public final class SimGuestNetwork {

    private static final String SUFFIX = ".guest";

    final Object lock = new Object();
    private final Clock clock;
    private final Path directory;
    /** Guarded by {@link #lock}. */
    private final Map<Ipv4Address, SimGuestPlatform> guests = new LinkedHashMap<>();
    private volatile Consumer<SimGuestPlatform> onNewGuest = guest -> { };

    /** A network that lives in memory only. */
    public SimGuestNetwork(Clock clock) {
        this(clock, null);
    }

    private SimGuestNetwork(Clock clock, Path directory) {
        this.clock = requireNonNull(clock, "clock is null");
        this.directory = directory;
    }

    /**
     * A network whose guests are written to {@code directory}, with the guests written there before read back:
     * disk and memory as they were, and leases whose deadline passed meanwhile expired.
     *
     * @throws UncheckedIOException when the directory or a guest file cannot be read
     */
    public static SimGuestNetwork persistentIn(Clock clock, Path directory) {
        requireNonNull(directory, "directory is null");
        SimGuestNetwork network = new SimGuestNetwork(clock, directory);
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.filter(f -> f.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                    SimGuestPlatform guest = new SimGuestPlatform(network, SimGuestFiles.read(file));
                    network.guests.put(guest.underlayAddress(), guest);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the sim guests in " + directory, e);
        }
        return network;
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
            saved(guest);
            onNewGuest.accept(guest);
            return guest;
        }
    }

    /**
     * The guest at {@code underlayAddress} when there is one (a guest read back from its file: a VM that kept
     * running while its simulator was down), else a new guest with every capability there.
     */
    public SimGuestPlatform addOrResume(String hostName, Ipv4Address underlayAddress) {
        synchronized (lock) {
            SimGuestPlatform existing = guests.get(requireNonNull(underlayAddress, "underlayAddress is null"));
            return existing != null ? existing : addGuest(hostName, underlayAddress);
        }
    }

    /**
     * Calls {@code action} with every guest added from now on, before anyone uses it: where a test arms the fault
     * switches of a guest that does not exist yet, such as a member whose VM onboarding is about to request.
     */
    public void onNewGuest(Consumer<SimGuestPlatform> action) {
        onNewGuest = requireNonNull(action, "action is null");
    }

    /** Takes a guest off the network, as when its VM is destroyed. Removing an absent guest succeeds. */
    public void removeGuest(Ipv4Address underlayAddress) {
        synchronized (lock) {
            guests.remove(underlayAddress);
            if (directory != null) {
                try {
                    Files.deleteIfExists(fileOf(underlayAddress));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete the sim guest file of " + underlayAddress, e);
                }
            }
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

    /** Writes {@code guest} to its file when this network is persistent. Guarded by {@link #lock}. */
    void saved(SimGuestPlatform guest) {
        if (directory != null && guests.get(guest.underlayAddress()) == guest) {
            guest.writeTo(fileOf(guest.underlayAddress()));
        }
    }

    private Path fileOf(Ipv4Address address) {
        return directory.resolve(address.value() + SUFFIX);
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

    /**
     * The guest that {@code from} reaches at {@code address}: the guest with that underlay address, or the one
     * with that overlay address on {@code from}'s hub (overlay addresses repeat across hubs). Guarded by
     * {@link #lock}.
     */
    Optional<SimGuestPlatform> reachableAt(SimGuestPlatform from, Ipv4Address address) {
        SimGuestPlatform underlayTarget = guests.get(address);
        if (underlayTarget != null) {
            return Optional.of(underlayTarget);
        }
        Optional<SimGuestPlatform> hub = from.connectedHub();
        if (hub.isEmpty()) {
            return Optional.empty();
        }
        for (SimGuestPlatform candidate : overlayMembers(hub.get())) {
            if (candidate.overlayAddress().filter(address::equals).isPresent()) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
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
