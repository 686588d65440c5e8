package dev.asterism.guest.sim;

import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.GuestPlatformProvider;
import dev.asterism.spi.guest.Ipv4Address;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The sim platform for an agent in a process of its own: a guest alone on its own simulated network, kept in the
 * agent's state directory. It registers, reports and runs commands like any guest, but reaches no other guest:
 * a constellation of sim guests lives in one process (the server's sim realm).
 */
public final class SimGuestPlatformProvider implements GuestPlatformProvider {

    @Override
    public String name() {
        return SimGuestPlatform.NAME;
    }

    @Override
    public GuestPlatform open(Path stateDirectory, String hostName, Ipv4Address underlayAddress) {
        SimGuestNetwork network = SimGuestNetwork.persistentIn(Clock.systemUTC(), stateDirectory.resolve("sim-guest"));
        return network.addOrResume(hostName, underlayAddress);
    }
}
