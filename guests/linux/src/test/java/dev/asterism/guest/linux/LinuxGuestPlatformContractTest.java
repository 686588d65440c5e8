package dev.asterism.guest.linux;

import dev.asterism.testing.GuestLab;
import dev.asterism.testing.GuestPlatformContract;

/**
 * The guest platform contract on the linux platform, every guest a netns host of this machine with real Samba AD,
 * adcli, WireGuard (wireguard-go), nftables and smbclient. Needs root and the packages {@link LinuxPackages} names.
 */
class LinuxGuestPlatformContractTest extends GuestPlatformContract {

    @Override
    protected GuestLab openLab() {
        return new NetnsGuestLab();
    }
}
