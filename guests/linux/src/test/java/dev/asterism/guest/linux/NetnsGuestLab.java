package dev.asterism.guest.linux;

import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.testing.GuestLab;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link GuestLab} of netns hosts on one segment, each driven by a {@link LinuxGuestPlatform} through nsenter:
 * the controller at 10.231.0.1, members from 10.231.0.11. Leftovers of a crashed run of the same prefix are removed
 * when a lab opens. Domain trees are cached in {@code target/samba-provision-cache}, so only the first test
 * provisions from nothing.
 */
final class NetnsGuestLab implements GuestLab {
    static final String PREFIX = "astgl";
    private static final String SEGMENT = "lab";
    private static final Path CACHE = Path.of("target", "samba-provision-cache").toAbsolutePath();

    private final NetnsHosts hosts = new NetnsHosts(PREFIX);
    private final Map<GuestPlatform, NetnsHosts.Host> guests = new IdentityHashMap<>();
    private final GuestPlatform controller;
    private int members;

    NetnsGuestLab() {
        LinuxPackages.requireInstalled();
        hosts.removeLeftovers();
        controller = newGuest("dc", Ipv4Address.of("10.231.0.1"));
    }

    private GuestPlatform newGuest(String name, Ipv4Address address) {
        NetnsHosts.Host host = hosts.createHost(name, name, SEGMENT, address, 24);
        LinuxGuestPlatform[] platform = new LinuxGuestPlatform[1];
        platform[0] = new LinuxGuestPlatform(host.commands(), Clock.systemUTC(), name, () -> hosts.reboot(name),
                Optional.of(CACHE.toString()));
        platform[0].boot();
        guests.put(platform[0], host);
        return platform[0];
    }

    @Override
    public GuestPlatform controller() {
        return controller;
    }

    @Override
    public GuestPlatform newMember(String hostName) {
        members++;
        return newGuest(hostName, Ipv4Address.of("10.231.0." + (10 + members)));
    }

    @Override
    public Ipv4Address underlayAddress(GuestPlatform guest) {
        return guests.get(guest).address();
    }

    /** The host behind a guest of this lab. */
    NetnsHosts.Host host(GuestPlatform guest) {
        return guests.get(guest);
    }

    @Override
    public Clock clock() {
        return Clock.systemUTC();
    }

    @Override
    public void letTimePass(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        hosts.removeLeftovers();
    }
}
