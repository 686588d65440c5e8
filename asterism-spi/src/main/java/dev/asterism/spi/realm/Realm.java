package dev.asterism.spi.realm;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A place where VMs run, behind one driver ({@code sim}, {@code netns}, {@code qemu}, {@code libvirt}).
 *
 * <p>The server addresses every VM by its own id ({@link RealmVmSpec#vmId()}); a hypervisor-native id
 * never leaves the driver. Every method may be called again after a crash of the caller at any point,
 * so each one is idempotent, as stated per method. Methods are called from many threads at once.
 *
 * <p>Failures are {@link RealmException}s: {@link RealmException#retryable()} says whether the same call
 * may succeed later (the hypervisor is busy or unreachable) or never will (bad spec, no capacity).
 */
public interface Realm extends AutoCloseable {

    /** The driver's name, for example {@code sim}. */
    String driver();

    /** What this driver can do beyond create, inspect, list and destroy. Callers check before calling. */
    Set<RealmCapability> capabilities();

    /**
     * Creates and boots a VM. Returns as soon as the VM exists in the realm, usually in
     * {@link PowerState#PROVISIONING}; the caller polls {@link #inspect} until it is {@link PowerState#RUNNING}.
     *
     * <p>Idempotent on {@code spec.vmId()}: when a VM with that id exists already, returns it unchanged.
     * A create that fails leaves nothing behind in the realm.
     *
     * @throws RealmException when the VM cannot be created; nothing is left behind
     */
    RealmVm create(RealmVmSpec spec);

    /**
     * Observes one VM.
     *
     * @return the VM, or empty when the realm has no VM with that id (never created, destroyed, or lost)
     * @throws RealmException when the realm cannot be asked right now (always retryable)
     */
    Optional<RealmVm> inspect(String vmId);

    /**
     * Every VM this realm holds that was created through this driver, including ones the caller no longer
     * knows (leftovers of crashed runs), so that the caller can repair drift.
     *
     * @throws RealmException when the realm cannot be asked right now (always retryable)
     */
    List<RealmVm> list();

    /**
     * Powers a VM off. Requires {@link RealmCapability#STOP_AND_START}. Stopping a stopped VM succeeds.
     *
     * @throws RealmException with code {@code NOT_FOUND} when the VM does not exist
     */
    void stop(String vmId);

    /**
     * Powers a stopped VM on again. Requires {@link RealmCapability#STOP_AND_START}. Starting a running or
     * provisioning VM succeeds.
     *
     * @throws RealmException with code {@code NOT_FOUND} when the VM does not exist
     */
    void start(String vmId);

    /**
     * Destroys a VM and everything the realm holds for it (disk, network ports). Destroying a VM that does
     * not exist succeeds, so that cleanup can always be repeated.
     *
     * @throws RealmException when the realm cannot destroy it right now (retryable)
     */
    void destroy(String vmId);

    /** Releases the driver's own resources; VMs keep running. */
    @Override
    void close();
}
