package dev.asterism.guest.windows;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.GuestPlatformProvider;
import dev.asterism.spi.guest.Ipv4Address;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code windows} platform for an agent running inside a Windows guest as SYSTEM: scripts run in the local
 * Windows PowerShell, and a restart is {@code Restart-Computer}, after which the agent waits to be stopped by it.
 */
public final class WindowsGuestPlatformProvider implements GuestPlatformProvider {

    @Override
    public String name() {
        return "windows";
    }

    @Override
    public GuestPlatform open(Path stateDirectory, String hostName, Ipv4Address underlayAddress) {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            throw new GuestException(GuestException.Code.UNSUPPORTED, "the windows platform runs on Windows only,"
                    + " not on " + System.getProperty("os.name") + ": give the agent platform=linux here");
        }
        return new WindowsGuestPlatform(PowerShell.local(), stateDirectory, () -> {
            try {
                // Windows stops the agent's service during the restart; if it has not within five minutes, it failed.
                Thread.sleep(Duration.ofMinutes(5));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
            throw new GuestException(GuestException.Code.UNAVAILABLE, "Windows did not restart within five minutes");
        });
    }
}
