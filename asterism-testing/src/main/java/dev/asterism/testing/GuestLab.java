package dev.asterism.testing;

import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.Ipv4Address;
import java.time.Clock;
import java.time.Duration;

/**
 * A controlling guest and member guests on one underlay network, made for one test of {@link GuestPlatformContract}
 * and torn down after it: in memory for the {@code sim} platform, network namespaces for {@code linux}.
 */
public interface GuestLab extends AutoCloseable {

    /** The controlling guest; the same one on every call. */
    GuestPlatform controller();

    /** A new member guest called {@code hostName} on the controller's network; each call makes another. */
    GuestPlatform newMember(String hostName);

    /** The underlay address of a guest of this lab. */
    Ipv4Address underlayAddress(GuestPlatform guest);

    /** The clock the guests measure deadlines with. */
    Clock clock();

    /** Lets {@code duration} pass on {@link #clock()}: a sim lab moves its clock, a real one sleeps. */
    void letTimePass(Duration duration);

    /** Tears the guests and their network down. */
    @Override
    void close();
}
