package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

/**
 * Everything a driver needs to create one VM.
 *
 * @param vmId the server's id of the VM; the driver's key for idempotency
 * @param hostName the guest's host name (a DNS label)
 * @param image the image reference from the catalog (a disk path, a template name)
 */
public record RealmVmSpec(
        String vmId,
        String hostName,
        OsFamily osFamily,
        String image,
        int vcpus,
        int memoryMib,
        int diskGib,
        Bootstrap bootstrap) {

    public RealmVmSpec {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(hostName, "hostName is null");
        requireNonNull(osFamily, "osFamily is null");
        requireNonNull(image, "image is null");
        requireNonNull(bootstrap, "bootstrap is null");
        if (vcpus < 1 || memoryMib < 1 || diskGib < 1) {
            throw new IllegalArgumentException("vcpus, memoryMib and diskGib must be positive");
        }
    }
}
