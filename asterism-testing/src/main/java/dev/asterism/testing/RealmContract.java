package dev.asterism.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import dev.asterism.spi.realm.Bootstrap;
import dev.asterism.spi.realm.OsFamily;
import dev.asterism.spi.realm.PowerState;
import dev.asterism.spi.realm.Realm;
import dev.asterism.spi.realm.RealmCapability;
import dev.asterism.spi.realm.RealmException;
import dev.asterism.spi.realm.RealmVm;
import dev.asterism.spi.realm.RealmVmSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every realm driver promises, run against each driver the machine can run, as Nova runs one
 * suite against its fake and libvirt drivers.
 *
 * <p>A driver's test extends this class and implements {@link #newRealm()}. Each test gets a fresh realm, creates
 * VMs whose ids start with {@code contract-}, destroys every VM it created and closes the realm afterwards, so
 * that the suite can run against a shared hypervisor.
 *
 * <p>Drivers whose VMs take real time to boot keep the default {@link #letTimePass}, which sleeps; drivers driven
 * by an injected clock override it to move their clock instead.
 */
public abstract class RealmContract {

    /** The prefix of every VM id this suite creates, so that leftovers of a crashed run are easy to find. */
    protected static final String VM_ID_PREFIX = "contract-";

    private final Set<String> createdVmIds = new LinkedHashSet<>();
    private Realm realm;

    /** Makes the realm under test; called once before each test, and closed after it. */
    protected abstract Realm newRealm();

    /**
     * Lets {@code duration} pass while the suite waits for a VM to change state. The default sleeps in real time;
     * a realm driven by an injected clock advances that clock instead.
     */
    protected void letTimePass(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the realm", e);
        }
    }

    /**
     * A valid spec for a small Linux VM. Realms that need a real image or a real bootstrap server override this
     * and keep {@code vmId}.
     */
    protected RealmVmSpec spec(String vmId) {
        return new RealmVmSpec(
                vmId, vmId, OsFamily.LINUX, "linux", 1, 512, 1, new Bootstrap("wss://127.0.0.1:1/agent/v1", "00".repeat(32), "token-" + vmId));
    }

    /** How long to let pass between two observations of a VM that is changing state. */
    protected Duration pollInterval() {
        return Duration.ofMillis(500);
    }

    /** How many observations to make before a VM counts as stuck; the default allows five minutes. */
    protected int maxPollAttempts() {
        return 600;
    }

    @BeforeEach
    public final void openRealm() {
        realm = newRealm();
        createdVmIds.clear();
    }

    @AfterEach
    public final void destroyCreatedVmsAndCloseRealm() {
        // Every VM is destroyed even when one destroy fails, so that one broken test does not leak the others' VMs.
        List<RuntimeException> failures = new ArrayList<>();
        try {
            for (String vmId : createdVmIds) {
                try {
                    realm.destroy(vmId);
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
        } finally {
            realm.close();
        }
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw first;
        }
    }

    /** The realm under test. */
    protected final Realm realm() {
        return realm;
    }

    /** A fresh VM id that no other test, or other run, uses. */
    protected final String newVmId() {
        return VM_ID_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 16);
    }

    /** Creates a VM from {@link #spec} and remembers it, so that it is destroyed after the test. */
    protected final RealmVm create(String vmId) {
        createdVmIds.add(vmId);
        return realm.create(spec(vmId));
    }

    /**
     * Observes a VM until it reaches {@code expected}, letting {@link #pollInterval()} pass between observations.
     *
     * @return the VM as last observed, in {@code expected}
     * @throws AssertionError when the VM disappears, fails, or is not in {@code expected} after
     *     {@link #maxPollAttempts()} observations
     */
    protected final RealmVm awaitPower(String vmId, PowerState expected) {
        Optional<RealmVm> lastSeen = Optional.empty();
        for (int attempt = 1; attempt <= maxPollAttempts(); attempt++) {
            lastSeen = realm.inspect(vmId);
            if (lastSeen.isEmpty()) {
                return fail("VM %s disappeared from the realm while waiting for %s", vmId, expected);
            }
            RealmVm vm = lastSeen.get();
            if (vm.power() == expected) {
                return vm;
            }
            if (vm.power() == PowerState.FAILED) {
                return fail("VM %s failed while waiting for %s: %s", vmId, expected, vm.detail());
            }
            letTimePass(pollInterval());
        }
        return fail(
                "VM %s did not reach %s after %d observations %s apart; last seen: %s",
                vmId, expected, maxPollAttempts(), pollInterval(), lastSeen.orElse(null));
    }

    private List<RealmVm> listed(String vmId) {
        return realm.list().stream().filter(vm -> vm.vmId().equals(vmId)).toList();
    }

    private boolean declaresStopAndStart() {
        return realm.capabilities().contains(RealmCapability.STOP_AND_START);
    }

    @Test
    public void create_returns_the_vm_with_the_specs_id_and_it_is_listed() {
        String vmId = newVmId();

        RealmVm created = create(vmId);

        assertThat(created.vmId()).isEqualTo(vmId);
        assertThat(listed(vmId)).singleElement().extracting(RealmVm::vmId).isEqualTo(vmId);
    }

    @Test
    public void created_vm_reaches_running() {
        String vmId = newVmId();
        create(vmId);

        RealmVm running = awaitPower(vmId, PowerState.RUNNING);

        assertThat(running.vmId()).isEqualTo(vmId);
    }

    @Test
    public void create_is_idempotent_on_the_vm_id() {
        String vmId = newVmId();

        RealmVm first = create(vmId);
        RealmVm second = create(vmId);

        assertThat(second.vmId()).isEqualTo(first.vmId()).isEqualTo(vmId);
        assertThat(listed(vmId)).hasSize(1);
    }

    @Test
    public void inspect_of_an_unknown_id_is_empty() {
        assertThat(realm.inspect(newVmId())).isEmpty();
    }

    @Test
    public void destroy_removes_the_vm_from_list_and_inspect() {
        String vmId = newVmId();
        create(vmId);
        awaitPower(vmId, PowerState.RUNNING);

        realm.destroy(vmId);

        assertThat(realm.inspect(vmId)).isEmpty();
        assertThat(listed(vmId)).isEmpty();
    }

    @Test
    public void destroy_of_a_destroyed_vm_succeeds() {
        String vmId = newVmId();
        create(vmId);
        realm.destroy(vmId);

        assertThatCode(() -> realm.destroy(vmId)).doesNotThrowAnyException();
        assertThat(realm.inspect(vmId)).isEmpty();
    }

    @Test
    public void destroy_of_a_never_created_vm_succeeds() {
        String vmId = newVmId();

        assertThatCode(() -> realm.destroy(vmId)).doesNotThrowAnyException();
        assertThat(realm.inspect(vmId)).isEmpty();
    }

    /**
     * One test per behaviour whatever the driver declares: a realm with {@link RealmCapability#STOP_AND_START}
     * must stop and start, one without must refuse with UNSUPPORTED. Nothing in the contract is skipped.
     */
    @Test
    public void stop_and_start_work_as_the_declared_capability_says() {
        String vmId = newVmId();
        create(vmId);
        awaitPower(vmId, PowerState.RUNNING);
        if (!declaresStopAndStart()) {
            assertThat(catchThrowableOfType(RealmException.class, () -> realm.stop(vmId)))
                    .as("stop without STOP_AND_START").isNotNull()
                    .extracting(RealmException::code).isEqualTo(RealmException.Code.UNSUPPORTED);
            assertThat(catchThrowableOfType(RealmException.class, () -> realm.start(vmId)))
                    .as("start without STOP_AND_START").isNotNull()
                    .extracting(RealmException::code).isEqualTo(RealmException.Code.UNSUPPORTED);
            return;
        }
        realm.start(vmId);
        assertThat(realm.inspect(vmId)).get().extracting(RealmVm::power).as("start of a running VM")
                .isEqualTo(PowerState.RUNNING);
        realm.stop(vmId);
        awaitPower(vmId, PowerState.STOPPED);
        realm.stop(vmId);
        assertThat(realm.inspect(vmId)).get().extracting(RealmVm::power).as("stop of a stopped VM")
                .isEqualTo(PowerState.STOPPED);
        realm.start(vmId);
        awaitPower(vmId, PowerState.RUNNING);
    }

    @Test
    public void stop_and_start_of_an_unknown_vm_fail_with_a_code() {
        String vmId = newVmId();
        RealmException.Code expected = declaresStopAndStart()
                ? RealmException.Code.NOT_FOUND : RealmException.Code.UNSUPPORTED;

        assertThat(catchThrowableOfType(RealmException.class, () -> realm.stop(vmId)))
                .as("stop of an unknown VM").isNotNull()
                .extracting(RealmException::code).isEqualTo(expected);
        assertThat(catchThrowableOfType(RealmException.class, () -> realm.start(vmId)))
                .as("start of an unknown VM").isNotNull()
                .extracting(RealmException::code).isEqualTo(expected);
    }
}
