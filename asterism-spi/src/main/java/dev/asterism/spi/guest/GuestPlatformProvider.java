package dev.asterism.spi.guest;

import java.nio.file.Path;

/**
 * Makes the guest platform an agent acts through, found by {@link #name()} with {@link java.util.ServiceLoader}:
 * the agent program is one jar, and the platform of the guest it runs in is chosen when it starts.
 */
public interface GuestPlatformProvider {

    /** The platform's name, as given to the agent ({@code sim}, {@code linux}, {@code windows}). */
    String name();

    /**
     * The platform of this guest.
     *
     * @param stateDirectory the agent's state directory, where a platform may keep what it needs across restarts
     * @param hostName the guest's host name
     * @param underlayAddress the guest's address on its constellation's network, when the realm told it
     * @throws GuestException when the platform cannot work here (a missing tool, an unsupported OS)
     */
    GuestPlatform open(Path stateDirectory, String hostName, Ipv4Address underlayAddress);
}
