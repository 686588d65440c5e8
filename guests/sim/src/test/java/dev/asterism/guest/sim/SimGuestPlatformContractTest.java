package dev.asterism.guest.sim;

import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import dev.asterism.testing.GuestLab;
import dev.asterism.testing.GuestPlatformContract;
import dev.asterism.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** The guest-platform contract against the sim platform, on a clock the suite moves by hand. */
class SimGuestPlatformContractTest extends GuestPlatformContract {

    @Override
    protected GuestLab openLab() {
        return new SimGuestLab();
    }

    /** A sim network with a controller at 192.168.50.2 and members from 192.168.50.10 on. */
    private static final class SimGuestLab implements GuestLab {

        private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        private final SimGuestNetwork network = new SimGuestNetwork(clock);
        private final SimGuestPlatform controller = network.addGuest("controller", Ipv4Address.of("192.168.50.2"));
        private int nextMemberHost = 10;

        @Override
        public GuestPlatform controller() {
            return controller;
        }

        @Override
        public GuestPlatform newMember(String hostName) {
            return network.addGuest(hostName, Ipv4Address.of("192.168.50." + nextMemberHost++));
        }

        @Override
        public Ipv4Address underlayAddress(GuestPlatform guest) {
            return ((SimGuestPlatform) guest).underlayAddress();
        }

        @Override
        public Clock clock() {
            return clock;
        }

        @Override
        public void letTimePass(Duration duration) {
            clock.advance(duration);
        }

        @Override
        public void close() {
            for (SimGuestPlatform guest : network.guests()) {
                network.removeGuest(guest.underlayAddress());
            }
        }
    }
}
