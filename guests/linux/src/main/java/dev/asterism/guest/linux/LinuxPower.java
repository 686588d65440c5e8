package dev.asterism.guest.linux;

import static java.util.Objects.requireNonNull;

import dev.asterism.spi.guest.GuestException;
import dev.asterism.spi.guest.GuestException.Code;
import dev.asterism.spi.guest.Power;
import java.util.List;

/**
 * Reboots through the given action ({@code systemctl reboot} on a real guest, the realm's reboot of a netns host) and
 * tells boots apart by an id kept in {@code /run}, which every boot empties.
 */
final class LinuxPower implements Power {
    private static final String BOOT_ID = "/run/asterism/boot-id";

    private final HostCommands commands;
    private final Runnable reboot;
    private final Runnable afterBoot;

    LinuxPower(HostCommands commands, Runnable reboot, Runnable afterBoot) {
        this.commands = requireNonNull(commands, "commands is null");
        this.reboot = requireNonNull(reboot, "reboot is null");
        this.afterBoot = requireNonNull(afterBoot, "afterBoot is null");
    }

    @Override
    public void reboot() {
        reboot.run();
        afterBoot.run();
    }

    @Override
    public String bootId() {
        HostCommands.Result result = commands.run(List.of("sh", "-c", "mkdir -p /run/asterism && { [ -s " + BOOT_ID
                + " ] || cat /proc/sys/kernel/random/uuid > " + BOOT_ID + "; } && cat " + BOOT_ID), null);
        if (!result.succeeded()) {
            throw new GuestException(Code.UNAVAILABLE, "cannot read the boot id: " + result.printed());
        }
        return result.output().strip();
    }
}
