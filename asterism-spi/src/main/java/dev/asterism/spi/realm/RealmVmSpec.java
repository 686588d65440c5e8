package dev.asterism.spi.realm;

import static java.util.Objects.requireNonNull;

/**
 * Everything a driver needs to create one VM.
 *
 * @param vmId the server's id of the VM; the driver's key for idempotency
 * @param hostName the guest's host name (a DNS label)
 * @param image the image reference from the catalog (a disk path, a template name)
 * @param network the isolated network the VM's underlay joins: VMs of one network reach each other, VMs of different
 *     networks never do (a constellation is one network); a plain VM is alone on a network named by its id
 */
public record RealmVmSpec(
        String vmId,
        String hostName,
        OsFamily osFamily,
        String image,
        int vcpus,
        int memoryMib,
        int diskGib,
        Bootstrap bootstrap,
        String network) {

    /** A VM alone on its own network. */
    public RealmVmSpec(String vmId, String hostName, OsFamily osFamily, String image, int vcpus, int memoryMib,
            int diskGib, Bootstrap bootstrap) {
        this(vmId, hostName, osFamily, image, vcpus, memoryMib, diskGib, bootstrap, vmId);
    }

    public RealmVmSpec {
        requireNonNull(vmId, "vmId is null");
        requireNonNull(hostName, "hostName is null");
        requireNonNull(osFamily, "osFamily is null");
        requireNonNull(image, "image is null");
        requireNonNull(bootstrap, "bootstrap is null");
        requireNonNull(network, "network is null");
        if (vcpus < 1 || memoryMib < 1 || diskGib < 1) {
            throw new IllegalArgumentException("vcpus, memoryMib and diskGib must be positive");
        }
    }
}
