package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A VM as the realm sees it.
 *
 * @param vmId the server's id, as given in {@link RealmVmSpec#vmId()}
 * @param addresses the guest's addresses the realm knows of, possibly none yet
 * @param detail a human-readable note from the driver (why it failed, where it runs), never a secret
 */
public record RealmVm(String vmId, PowerState power, List<String> addresses, String detail) {
    public RealmVm {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(power, "power is null");
        addresses = List.copyOf(addresses);
        requireNonNull(detail, "detail is null");
    }
}
