package dev.asterism.guest.linux;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.GuestPlatform;
import dev.asterism.spi.guest.GuestPlatformProvider;
import dev.asterism.spi.guest.Ipv4Address;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The {@code linux} platform for an agent running inside a Linux guest: tools run locally, a reboot is
 * {@code systemctl reboot}, and {@link LinuxGuestPlatform#boot} runs when the agent starts. The environment variable
 * {@value #PROVISION_CACHE} names a directory of saved domain trees (see {@link SambaDomainController});
 * {@value #SHARED_CLOCK} says that the clock is not the guest's own.
 */
public final class LinuxGuestPlatformProvider implements GuestPlatformProvider {
    /** The environment variable naming the provisioning cache directory; unset means no cache. */
    public static final String PROVISION_CACHE = "ASTERISM_SAMBA_PROVISION_CACHE";
    /**
     * The environment variable that, set to {@code true}, says the guest's clock is the machine's it runs on (a netns
     * host): the domain's time is then followed but never set.
     */
    public static final String SHARED_CLOCK = "ASTERISM_SHARED_CLOCK";

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public GuestPlatform open(Path stateDirectory, String hostName, Ipv4Address underlayAddress) {
        HostCommands commands = HostCommands.local();
        LinuxGuestPlatform platform = new LinuxGuestPlatform(commands, Clock.systemUTC(), hostName, () -> {
            HostCommands.Result result = commands.run(List.of("systemctl", "reboot"), null);
            if (!result.succeeded()) {
                throw new GuestException(Code.UNAVAILABLE, "cannot reboot this guest: " + result.printed());
            }
        }, Optional.ofNullable(System.getenv(PROVISION_CACHE)).filter(value -> !value.isBlank()),
                "true".equals(System.getenv(SHARED_CLOCK)));
        platform.boot();
        return platform;
    }
}
